using System.Runtime.InteropServices;

namespace LlmPlatform.Torch;

/// <summary>Free and total memory of a CUDA device, in bytes.</summary>
public readonly record struct CudaMemoryInfo(long Free, long Total);

/// <summary>
/// Asks the CUDA runtime how much of a device's memory is free. TorchSharp exposes no such query, so this calls
/// cudaMemGetInfo in the runtime library libtorch itself loaded: libtorch_cuda links it by its versioned name, and
/// loading that name again returns the copy already in the process.
/// </summary>
public static unsafe class CudaMemory
{
    private static readonly string[] RuntimeNames = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

    /// <summary>The memory of CUDA device <paramref name="device"/>; call it after libtorch has initialized CUDA.</summary>
    public static CudaMemoryInfo Query(int device)
    {
        var runtime = IntPtr.Zero;
        if (!RuntimeNames.Any(name => NativeLibrary.TryLoad(name, out runtime)))
        {
            throw new InvalidOperationException($"The CUDA runtime library ({string.Join(", ", RuntimeNames)}) is not loaded or on the library path.");
        }

        var setDevice = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(runtime, "cudaSetDevice");
        var memGetInfo = (delegate* unmanaged<nuint*, nuint*, int>)NativeLibrary.GetExport(runtime, "cudaMemGetInfo");
        nuint free = 0, total = 0;
        var status = setDevice(device);
        if (status == 0)
        {
            status = memGetInfo(&free, &total);
        }

        return status == 0 ? new CudaMemoryInfo((long)free, (long)total) : throw new InvalidOperationException($"cudaMemGetInfo failed on device {device} with CUDA error {status}.");
    }
}
