using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// A row-major [rows, columns] bfloat16 or float32 CPU tensor read in place through its address. Valid while the
/// tensor lives: libtorch's CPU storage does not move.
/// </summary>
internal readonly unsafe struct MatrixView
{
    private readonly nint data;

    private MatrixView(nint data, int rows, int columns, bool bfloat16)
    {
        this.data = data;
        Rows = rows;
        Columns = columns;
        IsBFloat16 = bfloat16;
    }

    public int Rows { get; }

    public int Columns { get; }

    public bool IsBFloat16 { get; }

    /// <summary>A view of a 2-D tensor, or of any contiguous tensor as [first dimension, rest].</summary>
    public static MatrixView Of(Tensor tensor)
    {
        if (tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("The CPU decode path reads contiguous CPU tensors only.", nameof(tensor));
        }

        var bfloat16 = tensor.dtype switch
        {
            ScalarType.BFloat16 => true,
            ScalarType.Float32 => false,
            _ => throw new ArgumentException($"The CPU decode path reads bfloat16 or float32 tensors, not {tensor.dtype}.", nameof(tensor)),
        };
        var rows = (int)tensor.shape[0];
        return new MatrixView(Address(tensor), rows, (int)(tensor.numel() / Math.Max(1, rows)), bfloat16);
    }

    /// <summary>The address of a CPU tensor's first element.</summary>
    public static nint Address(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    /// <summary>The address of element <paramref name="offset"/> (in elements, not bytes).</summary>
    public void* At(long offset) => IsBFloat16 ? (ushort*)data + offset : (float*)data + offset;

    /// <summary>Row <paramref name="row"/> · x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Dot(int row, float* x) => IsBFloat16
        ? Kernels.Dot((ushort*)data + (long)row * Columns, x, Columns)
        : Kernels.Dot((float*)data + (long)row * Columns, x, Columns);

    /// <summary>Row <paramref name="row"/> as float32.</summary>
    public void ReadRow(int row, float* destination) => Kernels.ToFloat(At((long)row * Columns), IsBFloat16, destination, Columns);

    /// <summary>The whole tensor as a pinned float32 array (for small ones: norms, biases), so kernels can take its address.</summary>
    public float[] ToPinnedArray()
    {
        var values = GC.AllocateArray<float>(checked(Rows * Columns), pinned: true);
        fixed (float* destination = values)
        {
            Kernels.ToFloat(At(0), IsBFloat16, destination, values.Length);
        }

        return values;
    }
}
