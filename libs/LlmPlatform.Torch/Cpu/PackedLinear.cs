using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmPlatform.Torch.Cpu;

/// <summary>
/// A float32 linear layer, output = input · Wᵀ + bias, computed in C# over a weight packed once at construction.
/// libtorch's float32 GEMM takes MKL's slow path on AMD CPUs (110-170 GFLOP/s on BERT's shapes on the 2-core EPYC this
/// runs on, where AVX-512 peaks near 430; tools/GemmBench), and a BERT encoder spends most of its time in its four
/// linears per layer. Here: 8 x 48 register tiles, depth blocks of 384, work items of 64 rows x 384 columns shared
/// by a persistent team (<see cref="GemmTeam"/>); the result does not depend on the thread count.
/// <para>
/// The weight [N, K] (Hugging Face layout, out x in) is stored as panels of <see cref="GemmKernels.Columns"/> output
/// columns, K-major within a panel, in 64-byte-aligned native memory: a tile's B operand is then one contiguous,
/// aligned stream, and the last panel is zero-padded so no kernel needs a column tail. The input is read in place, one
/// pointer per row, and the output written in place.
/// </para>
/// </summary>
public sealed unsafe class PackedLinear : IDisposable
{
    private const int Rows = GemmKernels.Rows;
    private const int Columns = GemmKernels.Columns;

    /// <summary>
    /// Depth per pass over C. A tile streams its B panel (kc x 48 floats, 72 KiB at 384) from L2 while its 8 rows of A
    /// (12 KiB) stay in L1; deeper weights (BERT's K = 1536 output projection) take several passes, each adding into C.
    /// </summary>
    private const int MaxDepth = 384;

    /// <summary>Rows of output per work item (eight tiles): small enough that M = 256 makes four items per panel group.</summary>
    private const int ItemRows = 64;

    /// <summary>
    /// Panels per work item: 8 panels (384 columns) of depth 384 are 576 KiB of B, which stays in one core's L2 while
    /// the item's row tiles sweep it.
    /// </summary>
    private const int ItemPanels = 8;

    /// <summary>Below this many multiply-adds a call runs on the caller alone: waking a worker costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 18;

    private readonly float* panels;
    private readonly float* bias;
    private readonly int panelCount;
    private readonly GemmTeam team;
    private GemmKernel kernel = GemmKernels.Best;
    private bool disposed;

    /// <param name="weight">[out_features, in_features], any dtype and device: it is packed as float32.</param>
    /// <param name="bias">[out_features], or null.</param>
    /// <param name="threads">Threads per call, the caller included; 0 takes libtorch's intra-op thread count.</param>
    public PackedLinear(Tensor weight, Tensor? bias = null, int threads = 0)
    {
        if (weight.dim() != 2)
        {
            throw new ArgumentException($"A linear weight is [out_features, in_features], not [{string.Join(", ", weight.shape)}].", nameof(weight));
        }

        OutFeatures = checked((int)weight.shape[0]);
        InFeatures = checked((int)weight.shape[1]);
        if (OutFeatures == 0 || InFeatures == 0)
        {
            throw new ArgumentException("A linear weight needs at least one input and one output feature.", nameof(weight));
        }

        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != OutFeatures))
        {
            throw new ArgumentException($"The bias must be [{OutFeatures}], not [{string.Join(", ", bias.shape)}].", nameof(bias));
        }

        Threads = threads > 0 ? threads : Math.Max(1, torch.get_num_threads());
        team = GemmTeam.Shared(Threads);
        panelCount = (OutFeatures + Columns - 1) / Columns;
        var packedFloats = (nuint)panelCount * Columns * (nuint)InFeatures;
        panels = (float*)NativeMemory.AlignedAlloc(packedFloats * sizeof(float), 64);
        this.bias = (float*)NativeMemory.AlignedAlloc((nuint)panelCount * Columns * sizeof(float), 64);
        NativeMemory.Clear(panels, packedFloats * sizeof(float));
        NativeMemory.Clear(this.bias, (nuint)panelCount * Columns * sizeof(float));
        HasBias = bias is not null;
        using (NewDisposeScope())
        {
            Pack(Float32Cpu(weight));
            if (bias is not null)
            {
                var source = Address(Float32Cpu(bias));
                new ReadOnlySpan<float>(source, OutFeatures).CopyTo(new Span<float>(this.bias, OutFeatures));
            }
        }
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public bool HasBias { get; }

    /// <summary>Threads per call, the caller included.</summary>
    public int Threads { get; }

    /// <summary>The microkernel in use: the widest this CPU supports unless a test picks a narrower one.</summary>
    internal GemmKernel Kernel
    {
        get => kernel;
        set => kernel = GemmKernels.IsSupported(value) ? value : throw new PlatformNotSupportedException($"This CPU cannot run the {value} GEMM kernel.");
    }

    /// <summary>output = input · Wᵀ + bias into a new tensor [.., out_features].</summary>
    /// <param name="input">[.., in_features] float32 on the CPU; a non-contiguous input is copied first.</param>
    public Tensor Forward(Tensor input)
    {
        var shape = input.shape.ToArray();
        if (shape.Length == 0)
        {
            throw new ArgumentException("A linear input has at least one dimension.", nameof(input));
        }

        shape[^1] = OutFeatures;
        var output = empty(shape, ScalarType.Float32);
        try
        {
            if (input.is_contiguous())
            {
                Forward(input, output);
            }
            else
            {
                using var contiguous = input.contiguous();
                Forward(contiguous, output);
            }
        }
        catch
        {
            output.Dispose();
            throw;
        }

        return output;
    }

    /// <summary>output = input · Wᵀ + bias, written into <paramref name="output"/>.</summary>
    /// <param name="input">[.., in_features], contiguous float32 on the CPU.</param>
    /// <param name="output">[.., out_features] with input's leading elements, contiguous float32 on the CPU.</param>
    public void Forward(Tensor input, Tensor output)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        CheckOperand(input, InFeatures, nameof(input));
        CheckOperand(output, OutFeatures, nameof(output));
        var rows = input.numel() / InFeatures;
        if (output.numel() / OutFeatures != rows)
        {
            throw new ArgumentException($"The output has {output.numel() / OutFeatures} rows of {OutFeatures}; the input has {rows}.", nameof(output));
        }

        if (rows == 0)
        {
            return;
        }

        Forward(Address(input), checked((int)rows), Address(output));
        // The kernels hold only raw addresses: the tensors must outlive the call even if the caller drops them.
        GC.KeepAlive(input);
        GC.KeepAlive(output);
    }

    /// <summary>C[m, N] = A[m, K] · Wᵀ + bias over raw row-major memory.</summary>
    internal void Forward(float* a, int m, float* c)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var work = new Work(this, a, m, c);
        if ((long)m * OutFeatures * InFeatures < ParallelThreshold || Threads == 1)
        {
            for (var item = 0; item < work.Items; item++)
            {
                work.Execute(item);
            }
        }
        else
        {
            team.Run(work, work.Items);
        }
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            NativeMemory.AlignedFree(panels);
            NativeMemory.AlignedFree(bias);
        }
    }

    /// <summary>Panel p holds output columns [48p, 48p + 48) as K rows of 48: panel[k * 48 + j] = W[48p + j, k].</summary>
    private void Pack(Tensor weight)
    {
        var w = Address(weight);
        for (var p = 0; p < panelCount; p++)
        {
            var panel = panels + (long)p * Columns * InFeatures;
            var width = Math.Min(Columns, OutFeatures - p * Columns);
            for (var j = 0; j < width; j++)
            {
                var row = w + (long)(p * Columns + j) * InFeatures;
                for (var k = 0; k < InFeatures; k++)
                {
                    panel[k * Columns + j] = row[k];
                }
            }
        }
    }

    private static Tensor Float32Cpu(Tensor tensor) => tensor.detach().to(ScalarType.Float32, CPU).contiguous();

    private static void CheckOperand(Tensor tensor, int width, string name)
    {
        if (tensor.device_type != DeviceType.CPU || tensor.dtype != ScalarType.Float32 || !tensor.is_contiguous())
        {
            throw new ArgumentException($"PackedLinear takes contiguous float32 CPU tensors, not {tensor.dtype} on {tensor.device} (contiguous: {tensor.is_contiguous()}).", name);
        }

        if (tensor.dim() == 0 || tensor.shape[^1] != width)
        {
            throw new ArgumentException($"Expected [.., {width}], got [{string.Join(", ", tensor.shape)}].", name);
        }
    }

    /// <summary>The address of a contiguous CPU tensor's first element; libtorch's CPU storage does not move.</summary>
    private static float* Address(Tensor tensor) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    /// <summary>
    /// One call split into items: blocks of <see cref="ItemRows"/> rows by groups of up to <see cref="ItemPanels"/>
    /// panels. Small M (a single short input) still yields at least two items per thread, by splitting the panels
    /// into more, equal groups, so both cores work at M = 32.
    /// </summary>
    private sealed class Work : IGemmWork
    {
        private readonly PackedLinear linear;
        private readonly float* a, c;
        private readonly int m, rowBlocks, panelGroups, groupPanels, depthBlocks, depth;
        private readonly delegate*<float**, float*, int, float*, nint, float*, void> tile;

        public Work(PackedLinear linear, float* a, int m, float* c)
        {
            this.linear = linear;
            this.a = a;
            this.m = m;
            this.c = c;
            rowBlocks = (m + ItemRows - 1) / ItemRows;
            var groups = (linear.panelCount + ItemPanels - 1) / ItemPanels;
            var wanted = 2 * linear.Threads;
            if (rowBlocks * groups < wanted)
            {
                groups = Math.Min(linear.panelCount, (wanted + rowBlocks - 1) / rowBlocks);
            }

            groupPanels = (linear.panelCount + groups - 1) / groups;
            panelGroups = (linear.panelCount + groupPanels - 1) / groupPanels;
            depthBlocks = (linear.InFeatures + MaxDepth - 1) / MaxDepth;
            depth = (linear.InFeatures + depthBlocks - 1) / depthBlocks;
            tile = linear.kernel switch
            {
                GemmKernel.Vector512 => &GemmKernels.Tile512,
                GemmKernel.Vector256 => &GemmKernels.Tile256,
                _ => &GemmKernels.TileScalar,
            };
        }

        public int Items => rowBlocks * panelGroups;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int item)
        {
            var (k, n) = (linear.InFeatures, linear.OutFeatures);
            var (rowStart, firstPanel) = (item / panelGroups * ItemRows, item % panelGroups * groupPanels);
            var rowEnd = Math.Min(m, rowStart + ItemRows);
            var panelEnd = Math.Min(linear.panelCount, firstPanel + groupPanels);
            var rows = stackalloc float*[Rows];
            var scratch = stackalloc float[Rows * Columns];
            for (var k0 = 0; k0 < k; k0 += depth)
            {
                var kc = Math.Min(depth, k - k0);
                for (var r0 = rowStart; r0 < rowEnd; r0 += Rows)
                {
                    var height = Math.Min(Rows, rowEnd - r0);
                    for (var i = 0; i < Rows; i++)
                    {
                        // Rows past M repeat the last real row: the kernel reads only real memory, and the scratch tile drops them.
                        rows[i] = a + (long)(r0 + Math.Min(i, height - 1)) * k + k0;
                    }

                    for (var p = firstPanel; p < panelEnd; p++)
                    {
                        var b = linear.panels + ((long)p * k + k0) * Columns;
                        var bias = k0 == 0 ? linear.bias + p * Columns : null;
                        var output = c + (long)r0 * n + p * Columns;
                        var width = Math.Min(Columns, n - p * Columns);
                        if (height == Rows && width == Columns)
                        {
                            tile(rows, b, kc, output, n, bias);
                        }
                        else
                        {
                            EdgeTile(rows, b, kc, output, n, bias, height, width, scratch);
                        }
                    }
                }
            }
        }

        /// <summary>A tile cut by M or N: computed whole in scratch, only its real part read from and written to C.</summary>
        private void EdgeTile(float** rows, float* b, int kc, float* output, int n, float* bias, int height, int width, float* scratch)
        {
            if (bias == null)
            {
                for (var i = 0; i < height; i++)
                {
                    new ReadOnlySpan<float>(output + (long)i * n, width).CopyTo(new Span<float>(scratch + i * Columns, width));
                }
            }

            tile(rows, b, kc, scratch, Columns, bias);
            for (var i = 0; i < height; i++)
            {
                new ReadOnlySpan<float>(scratch + i * Columns, width).CopyTo(new Span<float>(output + (long)i * n, width));
            }
        }
    }
}
