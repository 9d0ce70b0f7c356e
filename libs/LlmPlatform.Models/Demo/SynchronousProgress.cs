namespace LlmPlatform.Models.Demo;

/// <summary>Reports on the calling thread: <see cref="Progress{T}"/> posts to the thread pool, which reorders reports.</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
