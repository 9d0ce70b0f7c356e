using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// The OpenMP thread count of the calling thread, in the OpenMP runtime libtorch is linked with. libtorch's CPU
/// operators (oneDNN's GEMMs among them) open their parallel regions with the caller's OpenMP thread count, so a
/// thread that sets it to 1 gets single-threaded operators while other threads keep theirs. TorchSharp's
/// <c>set_num_threads</c> is no substitute: libtorch's version also stores a process-wide count and re-creates its
/// pthreadpool whenever the count changes, too costly to call around every GEMM. OpenMP has no .NET binding, hence this
/// one call through libtorch's own handle (whose symbol lookup reaches the OpenMP library it depends on).
/// </summary>
internal static unsafe class OpenMpThreads
{
    private static readonly delegate* unmanaged<int, void> SetNumThreads = Resolve();

    /// <summary>Whether libtorch's OpenMP runtime was found (it is, in every libtorch build for Linux x64 used here).</summary>
    public static bool Available => SetNumThreads != null;

    /// <summary>
    /// Makes the calling thread's libtorch operators single-threaded until the returned scope is disposed, which
    /// restores the thread's count as libtorch had it.
    /// </summary>
    public static SingleThreadedScope SingleThreaded()
    {
        // libtorch sets a thread's count lazily, on its first parallel operator; get_num_threads runs that first, so the
        // count set here is not overwritten by it later, and returns the count to restore.
        var previous = get_num_threads();
        SetNumThreads(1);
        return new SingleThreadedScope(previous);
    }

    private static delegate* unmanaged<int, void> Resolve()
    {
        var library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        return NativeLibrary.TryLoad(library, typeof(TorchSharp.torch).Assembly, null, out var handle)
            && NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var address)
                ? (delegate* unmanaged<int, void>)address
                : null;
    }

    public readonly struct SingleThreadedScope(int previous) : IDisposable
    {
        public void Dispose() => SetNumThreads(previous);
    }
}
