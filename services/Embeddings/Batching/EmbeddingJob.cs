using System.Diagnostics;

namespace LlmPlatform.Embeddings.Batching;

/// <summary>
/// One request's inputs in the batcher. Its inputs may run in different batches; it completes when the last one has
/// its vector. Once it is over (the client went away, or a batch holding one of its inputs failed) its inputs still
/// waiting are dropped before they cost a forward pass.
/// </summary>
internal sealed class EmbeddingJob(int inputs, ActivityContext span)
{
    private readonly float[][] vectors = new float[inputs][];
    // Continuations run on the thread pool, never on the batcher's thread, which must get back to the model.
    private readonly TaskCompletionSource<float[][]> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int remaining = inputs;

    /// <summary>The request's span, linked from the span of every batch that runs one of its inputs.</summary>
    public ActivityContext Span { get; } = span;

    public Task<float[][]> Vectors => completion.Task;

    /// <summary>Cancelled, failed, or done: nothing more of it needs running.</summary>
    public bool IsOver => completion.Task.IsCompleted;

    /// <summary>Called on the batcher's thread only, so the count needs no interlocking.</summary>
    public void Complete(int index, float[] vector)
    {
        vectors[index] = vector;
        if (--remaining == 0)
        {
            completion.TrySetResult(vectors);
        }
    }

    public void Fail(Exception error) => completion.TrySetException(error);

    public void Cancel(CancellationToken cancellation) => completion.TrySetCanceled(cancellation);
}

/// <summary>One input of a job, as the model will take it, and when it was queued.</summary>
internal sealed record PendingInput(EmbeddingJob Job, int Index, int[] Ids, long QueuedAt)
{
    public int Length => Ids.Length;
}

/// <summary>Why a request got no vectors although it was valid: the service is shutting down.</summary>
public sealed class BatcherStoppedException(string message) : Exception(message);
