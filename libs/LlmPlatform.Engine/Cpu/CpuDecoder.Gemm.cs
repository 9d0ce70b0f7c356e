using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Steps of more than <see cref="MaxBatch"/> decodes, and steps with prefill chunks. Past a handful of rows each weight
/// row serves many tokens and libtorch's bfloat16 GEMM outruns the small steps' float32 dot products, so here every
/// projection is a GEMM on the worker's share of the weight rows, libtorch single-threaded for the call
/// (<see cref="OpenMpThreads"/>): libtorch's own threads would split the input rows, and at 32 rows each repacked every
/// whole weight. The q/k/v and the gate/up weights are stacked, so a worker makes four GEMM calls a layer: each costs
/// ~30 us beyond oneDNN's kernel here (dispatch, descriptors, scratch memory; docs/benchmarks.md), and a gate and an up
/// call each cost a 32-sequence decode step ~1 ms more. Everything else is the small steps' way: one team run for the whole step, phases met at the team's
/// barrier, the residual stream in float32, the attention kernels (<see cref="GemmAttention"/> for long prefill chunks).
/// Through libtorch's forward the same step made ~11 team runs and a dozen libtorch calls per layer beside its GEMMs
/// (norms, rotations, casts, residual adds, the cache write): ~17 of a 32-sequence decode step's ~50 ms, and a
/// 32-token prompt's prefill step took 40-42 ms against 28-31 here (docs/benchmarks.md, "Decode steps of many
/// sequences in one team run").
/// </summary>
internal sealed unsafe partial class CpuDecoder
{
    private GemmShares[]? gemmShares;
    private Tensor? gemmInput, gemmMixed, gemmActivated, gemmGateUp;
    private Tensor[] gemmProducts = [], gemmLogitProducts = [];
    private float[][] gemmRowScratch = [];
    private int gemmCapacity, gemmLogitCapacity;

    /// <summary>Whether steps of more than <see cref="MaxBatch"/> tokens can run here (libtorch's OpenMP runtime was found).</summary>
    private static bool RunsGemmSteps => OpenMpThreads.Available;

    /// <summary>
    /// Weight shares are cut at multiples of this many rows, which GEMM kernels block by; at 64 the 576-row
    /// projections of the SmolLM-135M shape split 320/256 over two workers, at 32 evenly (a few per cent faster).
    /// </summary>
    private const int RowAlignment = 32;

    /// <summary>
    /// The GEMM inputs in the model dtype (normalized hidden rows and attention output [rows, width], SiLU(gate) · up
    /// [intermediate, rows], the down projection's transposed input as it stands) and each worker's GEMM outputs
    /// [features, rows], grown (doubling) to <paramref name="rows"/> tokens and <paramref name="logitRows"/> rows of
    /// logits.
    /// </summary>
    private void EnsureGemmCapacity(int rows, int logitRows)
    {
        if (gemmShares is null)
        {
            gemmShares = Enumerable.Range(0, team.Size).Select(worker => new GemmShares(this, worker)).ToArray();
            // Per worker: a normalized row, or a share's gate and up rows for SiLU.
            gemmRowScratch = PerWorker(Math.Max(spec.HiddenSize, 2 * spec.IntermediateSize));
        }

        // Kept across steps: detached from the step's dispose scope that this runs in.
        Tensor Buffer(params long[] shape) => empty(shape, lmHeadWeight.dtype).DetachFromDisposeScope();
        if (rows > gemmCapacity)
        {
            gemmCapacity = Math.Max(rows, 2 * gemmCapacity);
            DisposeAll([gemmInput, gemmMixed, gemmActivated, gemmGateUp, .. gemmProducts]);
            gemmInput = Buffer(gemmCapacity, spec.HiddenSize);
            gemmMixed = Buffer(gemmCapacity, queryWidth);
            gemmActivated = Buffer((long)gemmCapacity * spec.IntermediateSize);
            gemmGateUp = Buffer((long)gemmCapacity * 2 * spec.IntermediateSize);
            gemmProducts = gemmShares.Select(s => Buffer((long)gemmCapacity * s.Widest)).ToArray();
        }

        if (logitRows > gemmLogitCapacity)
        {
            gemmLogitCapacity = Math.Max(logitRows, 2 * gemmLogitCapacity);
            DisposeAll(gemmLogitProducts);
            gemmLogitProducts = gemmShares.Select(s => Buffer((long)gemmLogitCapacity * s.Vocab.Count)).ToArray();
        }
    }

    private void DisposeGemmTensors()
    {
        DisposeAll([gemmInput, gemmMixed, gemmActivated, gemmGateUp, .. gemmProducts, .. gemmLogitProducts]);
        foreach (var shares in gemmShares ?? [])
        {
            shares.Dispose();
        }
    }

    private static void DisposeAll(IEnumerable<Tensor?> tensors)
    {
        foreach (var tensor in tensors)
        {
            tensor?.Dispose();
        }
    }

    /// <summary>
    /// What every worker runs in a GEMM step: its rows' embeddings, then nine phases per layer, then the final norm
    /// and the LM head. The new K and V are stored in their own phase, before any attention, since a prefill chunk's
    /// tokens attend to each other's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GemmStep(int worker, GemmStepInputs step, KvView kv, float* logits)
    {
        using var singleThreaded = OpenMpThreads.SingleThreaded();
        using var scope = NewDisposeScope();
        var rows = step.Ids.Length;
        var h = spec.HiddenSize;
        var (d, half) = (spec.HeadDim, spec.HeadDim / 2);
        var shares = gemmShares![worker];
        var bf16 = lmHead.IsBFloat16;
        var element = ElementSize(bf16);
        var inputT = gemmInput!.narrow(0, 0, rows).t();
        var mixedT = gemmMixed!.narrow(0, 0, rows).t();
        var activatedT = gemmActivated!.narrow(0, 0, (long)rows * spec.IntermediateSize).view(spec.IntermediateSize, rows);
        var (inputP, mixedP, activatedP) = (MatrixView.Of(gemmInput!), MatrixView.Of(gemmMixed!), MatrixView.Of(gemmActivated!));
        Tensor Product(Tensor[] scratch, int rowCount, int count) => scratch[worker].narrow(0, 0, (long)rowCount * count).view(count, rowCount);
        var (qkvOut, oOut, downOut) = (Product(gemmProducts, rows, shares.Qkv.Count), Product(gemmProducts, rows, shares.O.Count), Product(gemmProducts, rows, shares.Down.Count));
        // The gate and up products of every worker in one [2 × intermediate, rows] matrix: SiLU reads a feature's gate
        // and up rows, which different workers may have computed.
        var gateUp = gemmGateUp!.narrow(0, 0, 2L * spec.IntermediateSize * rows).view(2 * spec.IntermediateSize, rows);
        var gateUpOut = gateUp.narrow(0, shares.GateUp.First, shares.GateUp.Count);
        var gateUpP = (byte*)MatrixView.Address(gateUp);
        var (firstRow, endRow) = team.Share(worker, rows);
        for (var r = firstRow; r < endRow; r++)
        {
            PrepareRow(r, step.Ids[r], step.Positions[r]);
        }

        fixed (float* hiddenP = hidden, q = queries, k = keys, v = values, attn = attended, row = gemmRowScratch[worker], c = cos, s = sin)
        {
            for (var l = 0; l < layers.Length; l++)
            {
                var (layer, weights) = (layers[l], shares.Layers[l]);
                NormalizeRows(hiddenP, layer.InputNorm, firstRow, endRow, row, inputP);
                team.Barrier();

                ScatterQkv(layer, Project(weights.Qkv, inputT, qkvOut), bf16, shares.Qkv, rows, q, k, v);

                team.Barrier();

                for (var b = firstRow; b < endRow; b++)
                {
                    for (var head = 0; head < spec.Heads; head++)
                    {
                        Kernels.Rotate(q + b * queryWidth + head * d, c + b * half, s + b * half, half);
                    }

                    for (var kvHead = 0; kvHead < spec.KeyValueHeads; kvHead++)
                    {
                        var at = b * keyValueWidth + kvHead * d;
                        Kernels.Rotate(k + at, c + b * half, s + b * half, half);
                        kv.Store(l, step.Slots[b], kvHead, k + at, v + at);
                    }
                }

                team.Barrier();

                foreach (var item in ItemsOf(worker, step.Attention))
                {
                    AttendItem(worker, l, item, q, attn, kv);
                    for (var t = 0; t < item.Tokens; t++)
                    {
                        var offset = (item.Row + t) * queryWidth + item.KvHead * group * d;
                        Kernels.FromFloat(attn + offset, mixedP.At(offset), bf16, group * d);
                    }
                }

                team.Barrier();

                AddProduct(Project(weights.O, mixedT, oOut), bf16, rows, shares.O, hiddenP, h);
                team.Barrier();

                NormalizeRows(hiddenP, layer.PostAttentionNorm, firstRow, endRow, row, inputP);
                team.Barrier();

                Project(weights.GateUp, inputT, gateUpOut);
                team.Barrier();

                var intermediate = spec.IntermediateSize;
                for (var at = (long)shares.Gate.First * rows; at < (long)shares.Gate.End * rows; at += intermediate)
                {
                    var count = (int)Math.Min(intermediate, (long)shares.Gate.End * rows - at);
                    Kernels.ToFloat(gateUpP + at * element, bf16, row, count);
                    Kernels.ToFloat(gateUpP + ((long)intermediate * rows + at) * element, bf16, row + intermediate, count);
                    Kernels.SiluMultiply(row, row + intermediate, count);
                    Kernels.FromFloat(row, activatedP.At(at), bf16, count);
                }

                team.Barrier();

                AddProduct(Project(weights.Down, activatedT, downOut), bf16, rows, shares.Down, hiddenP, h);
                team.Barrier();
            }

            // A step of prefill chunks that all end before their prompts do has no logits to return.
            var outputs = step.OutputRows.Length;
            if (outputs == 0)
            {
                return;
            }

            var (firstOutput, endOutput) = team.Share(worker, outputs);
            fixed (float* norm = finalNorm)
            {
                for (var j = firstOutput; j < endOutput; j++)
                {
                    Kernels.RmsNorm(hiddenP + step.OutputRows[j] * h, norm, row, h, (float)spec.RmsNormEps);
                    Kernels.FromFloat(row, inputP.At((long)j * h), bf16, h);
                }
            }

            team.Barrier();

            var scores = Project(shares.LmHead, gemmInput!.narrow(0, 0, outputs).t(), Product(gemmLogitProducts, outputs, shares.Vocab.Count));
            if (scores != null)
            {
                Untranspose(scores, bf16, shares.Vocab.Count, outputs, logits + shares.Vocab.First, lmHead.Rows, null, accumulate: false);
            }
        }
    }

    /// <summary>RMSNorm of hidden rows [first, end) into the GEMM input, in the model dtype.</summary>
    private void NormalizeRows(float* hiddenP, float* weight, int first, int end, float* row, MatrixView input)
    {
        var h = spec.HiddenSize;
        for (var b = first; b < end; b++)
        {
            Kernels.RmsNorm(hiddenP + b * h, weight, row, h, (float)spec.RmsNormEps);
            Kernels.FromFloat(row, input.At((long)b * h), input.IsBFloat16, h);
        }
    }

    /// <summary>
    /// output = weight rows · xᵀ [share, rows] for this worker's share of a projection (null when it has none), in the
    /// model dtype; returns the output's address. Multiplied this way round, oneDNN reads the weight as it lies instead
    /// of repacking it for every call, and the phases that read the products take them transposed for free.
    /// </summary>
    private static byte* Project(Tensor? weightRows, Tensor transposedInput, Tensor output)
    {
        if (weightRows is null)
        {
            return null;
        }

        // beta 0: the scratch's stale contents are ignored, NaN included. The returned handle goes with the step's scope.
        output.addmm_(weightRows, transposedInput, beta: 0, alpha: 1);
        return (byte*)MatrixView.Address(output);
    }

    /// <summary>A q/k/v GEMM output [share, rows] (features <paramref name="share"/> of the stacked q, k, v) into the float32 q, k and v rows, biases added.</summary>
    private void ScatterQkv(LayerView layer, byte* products, bool bf16, RowShare share, int rows, float* q, float* k, float* v)
    {
        if (products is null)
        {
            return;
        }

        Segment(q, layer.QBias, 0, queryWidth);
        Segment(k, layer.KBias, queryWidth, keyValueWidth);
        Segment(v, layer.VBias, queryWidth + keyValueWidth, keyValueWidth);

        void Segment(float* target, float* bias, int start, int width)
        {
            var (from, to) = (Math.Max(share.First, start), Math.Min(share.End, start + width));
            if (from < to)
            {
                var source = products + (long)(from - share.First) * rows * ElementSize(bf16);
                Untranspose(source, bf16, to - from, rows, target + (from - start), width, bias is null ? null : bias + (from - start), accumulate: false);
            }
        }
    }

    /// <summary>The residual add of a projection's share: hidden[b, share] += output[share, b] for every row.</summary>
    private static void AddProduct(byte* products, bool bf16, int rows, RowShare share, float* hiddenP, int h)
    {
        if (products is not null)
        {
            Untranspose(products, bf16, share.Count, rows, hiddenP + share.First, h, null, accumulate: true);
        }
    }

    /// <summary>
    /// A GEMM product [features, rows] into float32 rows: destination[b · stride + i] = products[i, b] + addend[i]
    /// (addend null: 0), or += products[i, b] when <paramref name="accumulate"/>. In 8 x 8 tiles, the edges element by
    /// element.
    /// </summary>
    private static void Untranspose(byte* products, bool bf16, int features, int rows, float* destination, int stride, float* addend, bool accumulate)
    {
        var element = ElementSize(bf16);
        var i = 0;
        for (; i + 8 <= features; i += 8)
        {
            var b = 0;
            for (; b + 8 <= rows; b += 8)
            {
                Kernels.TransposeTile(products + ((long)i * rows + b) * element, bf16, rows, destination + (long)b * stride + i, stride, addend is null ? null : addend + i, accumulate);
            }

            Elementwise(i, i + 8, b);
        }

        Elementwise(i, features, 0);

        void Elementwise(int firstFeature, int endFeature, int firstRow)
        {
            for (var f = firstFeature; f < endFeature; f++)
            {
                var source = products + (long)f * rows * element;
                var added = addend is null ? 0f : addend[f];
                for (var b = firstRow; b < rows; b++)
                {
                    ref var target = ref destination[(long)b * stride + f];
                    var value = Element(source, b, bf16) + added;
                    target = accumulate ? target + value : value;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Element(byte* source, int index, bool bf16) =>
        bf16 ? Kernels.FromBFloat16(((ushort*)source)[index]) : ((float*)source)[index];

    private static int ElementSize(bool bf16) => bf16 ? sizeof(ushort) : sizeof(float);

    /// <summary>A worker's share [First, End) of a projection's output features (its weight's rows).</summary>
    private readonly record struct RowShare(int First, int End)
    {
        public int Count => End - First;
    }

    /// <summary>One worker's shares of every projection, and views of its weight rows (null where its share is empty).</summary>
    private sealed class GemmShares : IDisposable
    {
        public GemmShares(CpuDecoder decoder, int worker)
        {
            var spec = decoder.spec;
            RowShare Cut(int total)
            {
                var (first, end) = decoder.team.AlignedShare(worker, total, RowAlignment);
                return new RowShare(first, end);
            }

            Qkv = Cut(decoder.queryWidth + 2 * decoder.keyValueWidth);
            O = Cut(spec.HiddenSize);
            Gate = Cut(spec.IntermediateSize);
            GateUp = Cut(2 * spec.IntermediateSize);
            Down = O;
            Vocab = Cut(decoder.lmHead.Rows);
            Layers = decoder.decoderLayers.Select(l => new LayerShares(
                Rows(l.QkvWeight, Qkv), Rows(l.OWeight, O), Rows(l.GateUpWeight, GateUp), Rows(l.DownWeight, Down))).ToArray();
            LmHead = Rows(decoder.lmHeadWeight, Vocab);
            Widest = new[] { Qkv.Count, O.Count, Down.Count }.Max();
        }

        public RowShare Qkv { get; }

        public RowShare O { get; }

        /// <summary>This worker's MLP features, whose gate and up products it turns into SiLU(gate) · up.</summary>
        public RowShare Gate { get; }

        /// <summary>This worker's rows of the stacked gate and up weight, multiplied in one GEMM.</summary>
        public RowShare GateUp { get; }

        public RowShare Down { get; }

        public RowShare Vocab { get; }

        public LayerShares[] Layers { get; }

        public Tensor? LmHead { get; }

        /// <summary>The most output columns of this worker's layer shares: its GEMM scratch holds that many per row.</summary>
        public int Widest { get; }

        private static Tensor? Rows(Tensor weight, RowShare share) =>
            share.Count == 0 ? null : weight.narrow(0, share.First, share.Count).DetachFromDisposeScope();

        public void Dispose()
        {
            foreach (var view in Layers.SelectMany(l => new[] { l.Qkv, l.O, l.GateUp, l.Down }).Append(LmHead))
            {
                view?.Dispose();
            }
        }
    }

    private sealed record LayerShares(Tensor? Qkv, Tensor? O, Tensor? GateUp, Tensor? Down);

    /// <summary>
    /// A GEMM step's inputs: per new token its id, position and cache slot; the attention items; the rows whose logits
    /// are returned.
    /// </summary>
    private sealed record GemmStepInputs(long[] Ids, long[] Positions, long[] Slots, AttentionWork Attention, long[] OutputRows);
}
