using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Steps of more than <see cref="MaxBatch"/> decodes, and steps with prefill chunks whose attention the kernels take.
/// Past a handful of rows each weight row serves many tokens and libtorch's bfloat16 GEMM outruns the small steps'
/// float32 dot products, so here every projection is a GEMM on the worker's share of the weight rows (libtorch
/// single-threaded per worker, as in <see cref="TeamProjections"/>). Everything else is the small steps' way: one team
/// run for the whole step, phases met at the team's barrier, the residual stream in float32, the attention kernels.
/// Through libtorch's forward the same step made ~11 team runs and a dozen libtorch calls per layer beside its GEMMs
/// (norms, rotations, casts, residual adds, the cache write): ~17 of a 32-sequence decode step's ~50 ms, and a
/// 32-token prompt's prefill step took 40-42 ms against 28-31 here (docs/benchmarks.md, "Decode steps of many
/// sequences in one team run").
/// </summary>
internal sealed unsafe partial class CpuDecoder
{
    private GemmShares[]? gemmShares;
    private Tensor? gemmInput, gemmMixed, gemmActivated;
    private Tensor[] gemmProducts = [], gemmUpProducts = [], gemmLogitProducts = [];
    private float[][] gemmRowScratch = [];
    private int gemmCapacity, gemmLogitCapacity;

    /// <summary>Whether steps of more than <see cref="MaxBatch"/> tokens can run here (libtorch's OpenMP runtime was found).</summary>
    private static bool RunsGemmSteps => OpenMpThreads.Available;

    /// <summary>
    /// The GEMM inputs [rows, width] in the model dtype (normalized hidden rows, attention output, SiLU(gate) · up) and
    /// each worker's GEMM outputs, grown (doubling) to <paramref name="rows"/> tokens and <paramref name="logitRows"/>
    /// rows of logits.
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
            DisposeAll([gemmInput, gemmMixed, gemmActivated, .. gemmProducts, .. gemmUpProducts]);
            gemmInput = Buffer(gemmCapacity, spec.HiddenSize);
            gemmMixed = Buffer(gemmCapacity, queryWidth);
            gemmActivated = Buffer(gemmCapacity, spec.IntermediateSize);
            gemmProducts = gemmShares.Select(s => Buffer((long)gemmCapacity * s.Widest)).ToArray();
            gemmUpProducts = gemmShares.Select(s => Buffer((long)gemmCapacity * s.Gate.Count)).ToArray();
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
        DisposeAll([gemmInput, gemmMixed, gemmActivated, .. gemmProducts, .. gemmUpProducts, .. gemmLogitProducts]);
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
    /// What every worker runs in a GEMM step: its rows' embeddings, then eight phases per layer, then the final norm
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
        var (input, mixed, activated) = (gemmInput!.narrow(0, 0, rows), gemmMixed!.narrow(0, 0, rows), gemmActivated!.narrow(0, 0, rows));
        var (inputP, mixedP, activatedP) = (MatrixView.Of(gemmInput!), MatrixView.Of(gemmMixed!), MatrixView.Of(gemmActivated!));
        Tensor Product(Tensor[] scratch, int rowCount, int count) => scratch[worker].narrow(0, 0, (long)rowCount * count).view(rowCount, count);
        var (qkvOut, oOut, downOut) = (Product(gemmProducts, rows, shares.Qkv.Count), Product(gemmProducts, rows, shares.O.Count), Product(gemmProducts, rows, shares.Down.Count));
        var (gateOut, upOut) = (Product(gemmProducts, rows, shares.Gate.Count), Product(gemmUpProducts, rows, shares.Gate.Count));
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

                var qkv = Multiply(input, weights.Qkv, qkvOut);
                for (var b = 0; qkv != null && b < rows; b++)
                {
                    ScatterQkv(layer, qkv + (long)b * shares.Qkv.Count * element, bf16, shares.Qkv, q + b * queryWidth, k + b * keyValueWidth, v + b * keyValueWidth);
                }

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

                foreach (var item in ItemsOf(worker, step.Items))
                {
                    AttendItem(worker, l, item, q, attn, kv);
                    for (var t = 0; t < item.Tokens; t++)
                    {
                        var offset = (item.Row + t) * queryWidth + item.KvHead * group * d;
                        Kernels.FromFloat(attn + offset, mixedP.At(offset), bf16, group * d);
                    }
                }

                team.Barrier();

                AddProduct(Multiply(mixed, weights.O, oOut), bf16, rows, shares.O, hiddenP, h, row);
                team.Barrier();

                NormalizeRows(hiddenP, layer.PostAttentionNorm, firstRow, endRow, row, inputP);
                team.Barrier();

                var gates = Multiply(input, weights.Gate, gateOut);
                var ups = Multiply(input, weights.Up, upOut);
                var width = shares.Gate.Count;
                for (var b = 0; gates != null && b < rows; b++)
                {
                    var at = (long)b * width * element;
                    Kernels.ToFloat(gates + at, bf16, row, width);
                    Kernels.ToFloat(ups + at, bf16, row + width, width);
                    Kernels.SiluMultiply(row, row + width, width);
                    Kernels.FromFloat(row, activatedP.At((long)b * spec.IntermediateSize + shares.Gate.First), bf16, width);
                }

                team.Barrier();

                AddProduct(Multiply(activated, weights.Down, downOut), bf16, rows, shares.Down, hiddenP, h, row);
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

            var tokenScores = Multiply(gemmInput!.narrow(0, 0, outputs), shares.LmHead, Product(gemmLogitProducts, outputs, shares.Vocab.Count));
            for (var j = 0; tokenScores != null && j < outputs; j++)
            {
                Kernels.ToFloat(tokenScores + (long)j * shares.Vocab.Count * element, bf16, logits + (long)j * lmHead.Rows + shares.Vocab.First, shares.Vocab.Count);
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
    /// output = x · weightᵀ for this worker's weight rows (null when it has none), in the model dtype; returns the
    /// output's address.
    /// </summary>
    private static byte* Multiply(Tensor x, Tensor? transposedWeight, Tensor output)
    {
        if (transposedWeight is null)
        {
            return null;
        }

        // beta 0: the scratch's stale contents are ignored, NaN included. The returned handle goes with the step's scope.
        output.addmm_(x, transposedWeight, beta: 0, alpha: 1);
        return (byte*)MatrixView.Address(output);
    }

    /// <summary>One row of a q/k/v GEMM output (columns <paramref name="share"/> of the stacked q, k, v) into the float32 q, k and v rows, biases added.</summary>
    private void ScatterQkv(LayerView layer, byte* source, bool bf16, RowShare share, float* q, float* k, float* v)
    {
        Segment(q, layer.QBias, 0, queryWidth);
        Segment(k, layer.KBias, queryWidth, keyValueWidth);
        Segment(v, layer.VBias, queryWidth + keyValueWidth, keyValueWidth);

        void Segment(float* target, float* bias, int start, int width)
        {
            var (from, to) = (Math.Max(share.First, start), Math.Min(share.End, start + width));
            if (from >= to)
            {
                return;
            }

            var at = target + (from - start);
            Kernels.ToFloat(source + (long)(from - share.First) * ElementSize(bf16), bf16, at, to - from);
            for (var i = 0; bias != null && i < to - from; i++)
            {
                at[i] += bias[from - start + i];
            }
        }
    }

    /// <summary>The residual add of a projection's share: hidden[b, share] += output[b] for every row.</summary>
    private static void AddProduct(byte* output, bool bf16, int rows, RowShare share, float* hiddenP, int h, float* scratch)
    {
        if (output is null)
        {
            return;
        }

        for (var b = 0; b < rows; b++)
        {
            Kernels.ToFloat(output + (long)b * share.Count * ElementSize(bf16), bf16, scratch, share.Count);
            var target = hiddenP + b * h + share.First;
            var i = 0;
            for (; i + 8 <= share.Count; i += 8)
            {
                (Vector256.Load(target + i) + Vector256.Load(scratch + i)).Store(target + i);
            }

            for (; i < share.Count; i++)
            {
                target[i] += scratch[i];
            }
        }
    }

    private static int ElementSize(bool bf16) => bf16 ? sizeof(ushort) : sizeof(float);

    /// <summary>A worker's share [First, End) of a projection's output columns (its weight's rows).</summary>
    private readonly record struct RowShare(int First, int End)
    {
        public int Count => End - First;
    }

    /// <summary>One worker's shares of every projection, and the transposed views of its weight rows (null where its share is empty).</summary>
    private sealed class GemmShares : IDisposable
    {
        public GemmShares(CpuDecoder decoder, int worker)
        {
            var spec = decoder.spec;
            RowShare Cut(int total)
            {
                var (first, end) = decoder.team.AlignedShare(worker, total, TeamProjections.RowAlignment);
                return new RowShare(first, end);
            }

            Qkv = Cut(decoder.queryWidth + 2 * decoder.keyValueWidth);
            O = Cut(spec.HiddenSize);
            Gate = Cut(spec.IntermediateSize);
            Down = O;
            Vocab = Cut(decoder.lmHead.Rows);
            Layers = decoder.decoderLayers.Select(l => new LayerShares(
                Rows(l.QkvWeight, Qkv), Rows(l.OWeight, O), Rows(l.GateWeight, Gate), Rows(l.UpWeight, Gate), Rows(l.DownWeight, Down))).ToArray();
            LmHead = Rows(decoder.lmHeadWeight, Vocab);
            Widest = new[] { Qkv.Count, O.Count, Gate.Count, Down.Count }.Max();
        }

        public RowShare Qkv { get; }

        public RowShare O { get; }

        public RowShare Gate { get; }

        public RowShare Down { get; }

        public RowShare Vocab { get; }

        public LayerShares[] Layers { get; }

        public Tensor? LmHead { get; }

        /// <summary>The most output columns of this worker's layer shares: its GEMM scratch holds that many per row.</summary>
        public int Widest { get; }

        private static Tensor? Rows(Tensor weight, RowShare share) =>
            share.Count == 0 ? null : weight.narrow(0, share.First, share.Count).t().DetachFromDisposeScope();

        public void Dispose()
        {
            foreach (var view in Layers.SelectMany(l => new[] { l.Qkv, l.O, l.Gate, l.Up, l.Down }).Append(LmHead))
            {
                view?.Dispose();
            }
        }
    }

    private sealed record LayerShares(Tensor? Qkv, Tensor? O, Tensor? Gate, Tensor? Up, Tensor? Down);

    /// <summary>
    /// A GEMM step's inputs: per new token its id, position and cache slot; the attention items; the rows whose logits
    /// are returned.
    /// </summary>
    private sealed record GemmStepInputs(long[] Ids, long[] Positions, long[] Slots, IReadOnlyList<AttentionItem> Items, long[] OutputRows);
}
