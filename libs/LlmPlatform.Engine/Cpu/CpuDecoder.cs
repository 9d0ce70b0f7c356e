using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Decode steps on the CPU, computed in C# over the model's own weight and KV cache memory. A batch-1 decode step is
/// bound by reading every weight once; through libtorch it makes ~2,200 small calls and streams each small projection
/// at a fraction of the memory bandwidth (docs/benchmarks.md, "Where the time goes"). Here one team of threads, kept
/// running across the whole step, splits every projection's rows, so the weights stream back to back; the activations
/// stay float32. Each row's arithmetic is the same whatever else is in the batch, so a sequence's decode logits do not
/// depend on its neighbours. Steps of more than <see cref="MaxBatch"/> decodes are compute-bound: they run the same
/// way with libtorch's GEMM for the projections (CpuDecoder.Gemm.cs), and so do steps with prefill chunks. Where
/// libtorch's OpenMP runtime is not found (its GEMMs could not be made single-threaded per worker), only the small
/// decode steps come here and libtorch's forward computes the rest.
/// </summary>
internal sealed unsafe partial class CpuDecoder : IDisposable
{
    /// <summary>
    /// Above this many sequences a decode step's projections are libtorch's GEMM on the team (CpuDecoder.Gemm.cs),
    /// which outruns these float32 FMA loops once each weight row serves several sequences: on the SmolLM-135M shape in
    /// bfloat16 the two were even at 4 sequences and the GEMM step 20-35% faster from 5 (docs/engine.md, "The CPU
    /// decode path").
    /// </summary>
    public const int MaxBatch = 4;

    /// <summary>
    /// The longest prefill context the chunk kernel takes (<see cref="ChunkAttention"/>); longer ones attend through
    /// <see cref="GemmAttention"/>. The kernel scores every query against a float32 copy of the whole context, where
    /// libtorch's SDPA worked in cache-sized blocks: with four prompts at once the two took the same time at 512 tokens,
    /// and SDPA 5-15% less at 1,024 and 2,000 (docs/benchmarks.md, "Chunk attention").
    /// </summary>
    public const int MaxKernelPrefillContext = 512;

    private readonly ModelSpec spec;
    private readonly WorkerTeam team;
    private readonly LayerView[] layers;
    private readonly IReadOnlyList<DecoderLayer> decoderLayers;
    private readonly MatrixView embedding;
    private readonly MatrixView lmHead;
    private readonly Tensor lmHeadWeight;
    private readonly float[] finalNorm;
    private readonly double[] inverseFrequencies;
    private readonly int queryWidth, keyValueWidth, group;
    private readonly float scale;

    // Step buffers, [rows, width] each (grown past MaxBatch for larger steps; gate and up serve the small steps only),
    // and per-worker scratch; pinned so the kernels take their addresses.
    private readonly float[] gate, up;
    private float[] hidden, queries, keys, values, attended, cos, sin;
    private int stepRows;
    private readonly float[][] normed, keyRow, valueRow;
    private float[][] scores;

    // Per worker, ChunkAttention's float32 copies of a context's K (transposed) and V, and its scores; grown on demand.
    private float[][] chunkKeys, chunkValues, chunkScores;
    private readonly GemmAttention gemmAttention;
    private KvView? kv;

    public CpuDecoder(ModelSpec spec, IReadOnlyList<DecoderLayer> layers, Tensor embedding, Tensor lmHead, Tensor finalNorm, int threads)
    {
        this.spec = spec;
        team = new WorkerTeam(threads);
        this.layers = layers.Select(l => new LayerView(l)).ToArray();
        decoderLayers = layers;
        this.embedding = MatrixView.Of(embedding);
        this.lmHead = MatrixView.Of(lmHead);
        lmHeadWeight = lmHead;
        this.finalNorm = MatrixView.Of(finalNorm).ToPinnedArray();
        inverseFrequencies = RotaryEmbedding.InverseFrequencies(spec.Rope, spec.HeadDim);
        queryWidth = spec.Heads * spec.HeadDim;
        keyValueWidth = spec.KeyValueHeads * spec.HeadDim;
        group = spec.Heads / spec.KeyValueHeads;
        scale = 1f / MathF.Sqrt(spec.HeadDim);

        (hidden, queries, keys, values, attended, cos, sin) = ([], [], [], [], [], [], []);
        EnsureStepRows(MaxBatch);
        gate = GC.AllocateArray<float>(MaxBatch * spec.IntermediateSize, pinned: true);
        up = GC.AllocateArray<float>(MaxBatch * spec.IntermediateSize, pinned: true);
        normed = PerWorker(MaxBatch * spec.HiddenSize);
        keyRow = PerWorker(spec.HeadDim);
        valueRow = PerWorker(spec.HeadDim);
        scores = PerWorker(group * 256);
        (chunkKeys, chunkValues, chunkScores) = (PerWorker(0), PerWorker(0), PerWorker(0));
        gemmAttention = new GemmAttention(team.Size, group, spec.HeadDim, spec.MaxPositions);
    }

    /// <summary>Whether this machine runs the kernels natively (x86-64 with AVX2, or wider) and the model's heads fit them.</summary>
    public static bool Supports(ModelSpec spec) => Vector256.IsHardwareAccelerated && spec.HeadDim % 16 == 0;

    /// <summary>
    /// Whether this path takes <paramref name="batch"/> whole: a step of at most <see cref="MaxBatch"/> decodes, or,
    /// where libtorch's GEMM can run on the team (CpuDecoder.Gemm.cs), any step: there prefill chunks of longer
    /// contexts than the kernels take attend through <see cref="GemmAttention"/>.
    /// </summary>
    public static bool Takes(AttentionBatch batch) => RunsGemmSteps || (!batch.HasPrefills && batch.Sequences.Count <= MaxBatch);

    /// <summary>
    /// One step of <paramref name="batch"/> (row i of the inputs is the step's i-th new token). Returns float32 logits
    /// [rows, vocab] for <paramref name="logitRows"/>, as the libtorch forward does.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor positions, AttentionBatch batch, PagedKvCache cache, Tensor logitRows)
    {
        var ids = inputIds.data<long>().ToArray();
        var positionValues = positions.data<long>().ToArray();
        var outputRows = logitRows.data<long>().ToArray();
        var logits = empty([outputRows.Length, lmHead.Rows], ScalarType.Float32);
        var output = (float*)MatrixView.Address(logits);
        var pools = KvFor(cache);
        EnsureStepRows(ids.Length);
        if (batch.HasPrefills || ids.Length > MaxBatch)
        {
            var step = new GemmStepInputs(ids, positionValues, batch.SlotMapping.data<long>().ToArray(), AttentionItems(batch.Sequences, pools), outputRows);
            EnsureGemmCapacity(ids.Length, outputRows.Length);
            team.Run(worker => GemmStep(worker, step, pools, output));
            return logits;
        }

        var rows = batch.Sequences.Count;
        var steps = new DecodeRow[rows];
        var slots = batch.SlotMapping.data<long>().ToArray();
        for (var b = 0; b < rows; b++)
        {
            var sequence = batch.Sequences[b];
            steps[b] = new DecodeRow(slots[b], sequence.ContextLength, sequence.BlockTable);
            PrepareRow(b, ids[b], positionValues[b]);
        }

        EnsureScoreCapacity(steps.Max(s => s.ContextLength));
        team.Run(worker => Step(worker, steps, outputRows, pools, output));
        return logits;
    }

    /// <summary>
    /// Whether the kernels attend this sequence of a step: every decode, and prefill chunks whose context is at most
    /// <see cref="MaxKernelPrefillContext"/> tokens; <see cref="GemmAttention"/> takes longer chunks.
    /// </summary>
    public static bool AttendsInKernel(SequenceSlice sequence) => sequence.QueryLength == 1 || sequence.ContextLength <= MaxKernelPrefillContext;

    /// <summary>
    /// The attention work of <paramref name="sequences"/>, in items of similar size: a decode per KV head, and a prefill
    /// chunk per KV head in runs of tokens that share one copy of their context (ChunkAttention), or runs of
    /// <see cref="GemmAttention.RunTokens"/> for chunks whose context is longer than the kernels take. Grows the
    /// workers' scratch to the longest context.
    /// </summary>
    private AttentionWork AttentionItems(IReadOnlyList<SequenceSlice> sequences, KvView pools)
    {
        var items = new List<AttentionItem>();
        foreach (var sequence in sequences)
        {
            var byGemm = !AttendsInKernel(sequence);
            var runTokens = byGemm ? GemmAttention.RunTokens : ChunkAttention.RunTokens;
            var first = sequence.ContextLength - sequence.QueryLength;
            for (var run = 0; run < sequence.QueryLength; run += runTokens)
            {
                var tokens = Math.Min(runTokens, sequence.QueryLength - run);
                for (var kvHead = 0; kvHead < spec.KeyValueHeads; kvHead++)
                {
                    items.Add(new AttentionItem(sequence.QueryStart + run, tokens, first + run, kvHead, sequence.BlockTable, byGemm));
                }
            }
        }

        var kernelContext = items.Where(i => !i.ByGemm).Select(i => i.Start + i.Tokens).DefaultIfEmpty(0).Max();
        EnsureScoreCapacity(kernelContext);
        EnsureChunkCapacity(kernelContext);
        if (items.Any(i => i.ByGemm))
        {
            gemmAttention.EnsureCapacity(items.Max(i => i.Start + i.Tokens), pools.IsBFloat16);
        }

        // An item's work: the positions its tokens attend, and a fixed cost per item.
        return new AttentionWork(items, team.WeightedShares(items.Select(i => i.Tokens * (i.Start + (i.Tokens + 1) / 2L) + 64).ToList()));
    }

    /// <summary>
    /// Worker <paramref name="worker"/>'s items of a step's attention: a contiguous run of them, even in work with the
    /// others' (a chunk's later runs see more positions). Contiguous, so that a worker attends the sequences whose rows
    /// it has just rotated and stored: handing out every other item instead made the 32-sequence decode step ~6% slower.
    /// </summary>
    private static IEnumerable<AttentionItem> ItemsOf(int worker, AttentionWork work)
    {
        for (var index = work.Bounds[worker]; index < work.Bounds[worker + 1]; index++)
        {
            yield return work.Items[index];
        }
    }

    /// <summary>
    /// One item's attention, its queries rotated in <paramref name="queries"/> and its new K/V already in the cache:
    /// rows of [tokens, heads × head_dim] float32, read and written at the item's rows and KV head.
    /// </summary>
    private void AttendItem(int worker, int layer, AttentionItem item, float* queries, float* output, KvView pools)
    {
        var offset = item.Row * queryWidth + item.KvHead * group * spec.HeadDim;
        if (item.ByGemm)
        {
            // Whatever its length, even a chunk's last run of one token: the kernels' scratch is not sized for these contexts.
            gemmAttention.Attend(worker, queries + offset, output + offset, queryWidth, item.Tokens, scale, pools.Keys(layer), pools.Values(layer),
                spec.KeyValueHeads, item.KvHead, item.BlockTable, pools.BlockSize, item.Start);
        }
        else if (item.Tokens == 1)
        {
            PagedAttend(worker, layer, item.KvHead, group, queries + offset, item.BlockTable, item.Start + 1, pools, null, null, output + offset);
        }
        else
        {
            ChunkAttend(worker, layer, item, queries + offset, output + offset, pools);
        }
    }

    /// <summary><see cref="ChunkAttention.Attend"/> over the pools' element type, with this worker's scratch.</summary>
    private void ChunkAttend(int worker, int layer, AttentionItem item, float* queries, float* output, KvView pools)
    {
        fixed (float* keys32 = chunkKeys[worker], values32 = chunkValues[worker], scoreP = chunkScores[worker])
        {
            if (pools.IsBFloat16)
            {
                ChunkAttention.Attend<BFloat16Element>(queries, output, queryWidth, item.Tokens, group, spec.HeadDim, scale, pools.Keys(layer), pools.Values(layer),
                    spec.KeyValueHeads, item.KvHead, item.BlockTable, pools.BlockSize, item.Start, keys32, values32, scoreP);
            }
            else
            {
                ChunkAttention.Attend<Float32Element>(queries, output, queryWidth, item.Tokens, group, spec.HeadDim, scale, pools.Keys(layer), pools.Values(layer),
                    spec.KeyValueHeads, item.KvHead, item.BlockTable, pools.BlockSize, item.Start, keys32, values32, scoreP);
            }
        }
    }

    /// <summary>
    /// The run of (sequence, query head) items that starts at <paramref name="item"/>: the consecutive query heads of one
    /// sequence under one KV head, up to <paramref name="end"/>, attended in one pass over that head's K and V.
    /// </summary>
    private (int Row, int Head, int Count) HeadRun(int item, int end)
    {
        var (row, head) = (item / spec.Heads, item % spec.Heads);
        return (row, head, Math.Min(end - item, (head / group + 1) * group - head));
    }

    /// <summary><see cref="PagedAttention.Attend"/> over the pools' element type, with this worker's score scratch.</summary>
    private void PagedAttend(int worker, int layer, int kvHead, int heads, float* queries, long[] blockTable, int cached, KvView pools,
        float* lastKey, float* lastValue, float* output)
    {
        fixed (float* scoreP = scores[worker])
        {
            if (pools.IsBFloat16)
            {
                PagedAttention.Attend<BFloat16Element>(queries, heads, spec.HeadDim, scale, pools.Keys(layer), pools.Values(layer), spec.KeyValueHeads, kvHead,
                    blockTable, pools.BlockSize, cached, lastKey, lastValue, scoreP, output);
            }
            else
            {
                PagedAttention.Attend<Float32Element>(queries, heads, spec.HeadDim, scale, pools.Keys(layer), pools.Values(layer), spec.KeyValueHeads, kvHead,
                    blockTable, pools.BlockSize, cached, lastKey, lastValue, scoreP, output);
            }
        }
    }

    private KvView KvFor(PagedKvCache cache)
    {
        if (kv is null || !kv.Views(cache))
        {
            kv = new KvView(cache);
        }

        return kv;
    }

    private void PrepareRow(int row, long id, long position)
    {
        fixed (float* h = hidden, c = cos, s = sin)
        {
            embedding.ReadRow((int)id, h + row * spec.HiddenSize);
            var half = spec.HeadDim / 2;
            for (var i = 0; i < half; i++)
            {
                var angle = position * inverseFrequencies[i];
                c[row * half + i] = (float)Math.Cos(angle);
                s[row * half + i] = (float)Math.Sin(angle);
            }
        }
    }

    /// <summary>The step buffers, grown (doubling) to hold <paramref name="rows"/> sequences.</summary>
    private void EnsureStepRows(int rows)
    {
        if (rows <= stepRows)
        {
            return;
        }

        stepRows = Math.Max(rows, 2 * stepRows);
        float[] Rows(int width) => GC.AllocateArray<float>(stepRows * width, pinned: true);
        (hidden, queries, keys, values, attended) = (Rows(spec.HiddenSize), Rows(queryWidth), Rows(keyValueWidth), Rows(keyValueWidth), Rows(queryWidth));
        (cos, sin) = (Rows(spec.HeadDim / 2), Rows(spec.HeadDim / 2));
    }

    /// <summary>A pinned scratch array of <paramref name="length"/> floats for each worker of the team.</summary>
    private float[][] PerWorker(int length) => Enumerable.Range(0, team.Size).Select(_ => GC.AllocateArray<float>(length, pinned: true)).ToArray();

    private void EnsureChunkCapacity(int contextLength)
    {
        var positions = ChunkAttention.Padded(contextLength);
        if (chunkScores[0].Length < positions)
        {
            chunkKeys = PerWorker(positions * spec.HeadDim);
            chunkValues = PerWorker(positions * spec.HeadDim);
            chunkScores = PerWorker(positions);
        }
    }

    private void EnsureScoreCapacity(int contextLength)
    {
        if (scores[0].Length < group * contextLength)
        {
            // Double, so that a growing context does not reallocate every step; past max_model_len only what is asked.
            var positions = Math.Max(contextLength, Math.Min(spec.MaxPositions, 2 * scores[0].Length / group));
            scores = PerWorker(group * positions);
        }
    }

    /// <summary>What every worker runs: the layers, five phases each, then the final norm and LM head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Step(int worker, DecodeRow[] steps, long[] outputRows, KvView kv, float* logits)
    {
        var rows = steps.Length;
        var h = spec.HiddenSize;
        fixed (float* hiddenP = hidden, q = queries, k = keys, v = values, attn = attended, g = gate, u = up, n = normed[worker])
        {
            for (var l = 0; l < layers.Length; l++)
            {
                var layer = layers[l];

                // q, k, v: each worker normalizes every row for itself (cheaper than a phase) and computes its share of rows.
                for (var b = 0; b < rows; b++)
                {
                    Kernels.RmsNorm(hiddenP + b * h, layer.InputNorm, n + b * h, h, (float)spec.RmsNormEps);
                }

                var (first, end) = team.Share(worker, queryWidth + 2 * keyValueWidth);
                Project(layer.Q, layer.QBias, n, q, rows, first, end, 0);
                Project(layer.K, layer.KBias, n, k, rows, first, end, queryWidth);
                Project(layer.V, layer.VBias, n, v, rows, first, end, queryWidth + keyValueWidth);
                team.Barrier();

                // Attention: the workers split the (sequence, query head) pairs; consecutive heads under one KV head go together.
                var (firstItem, endItem) = team.Share(worker, rows * spec.Heads);
                for (var item = firstItem; item < endItem;)
                {
                    var (row, head, count) = HeadRun(item, endItem);
                    item += count;
                    Attend(worker, l, row, head, count, steps[row], kv, q, k, v, attn);
                }

                team.Barrier();

                (first, end) = team.Share(worker, h);
                AddProjection(layer.O, attn, hiddenP, rows, first, end);
                team.Barrier();

                for (var b = 0; b < rows; b++)
                {
                    Kernels.RmsNorm(hiddenP + b * h, layer.PostAttentionNorm, n + b * h, h, (float)spec.RmsNormEps);
                }

                var width = spec.IntermediateSize;
                (first, end) = team.Share(worker, width);
                for (var r = first; r < end; r++)
                {
                    for (var b = 0; b < rows; b++)
                    {
                        g[b * width + r] = layer.Gate.Dot(r, n + b * h);
                        u[b * width + r] = layer.Up.Dot(r, n + b * h);
                    }
                }

                for (var b = 0; b < rows; b++)
                {
                    Kernels.SiluMultiply(g + b * width + first, u + b * width + first, end - first);
                }

                team.Barrier();

                (first, end) = team.Share(worker, h);
                AddProjection(layer.Down, g, hiddenP, rows, first, end);
                team.Barrier();
            }

            fixed (float* norm = finalNorm)
            {
                for (var j = 0; j < outputRows.Length; j++)
                {
                    Kernels.RmsNorm(hiddenP + outputRows[j] * h, norm, n + j * h, h, (float)spec.RmsNormEps);
                }
            }

            var (firstToken, endToken) = team.Share(worker, lmHead.Rows);
            for (var r = firstToken; r < endToken; r++)
            {
                for (var j = 0; j < outputRows.Length; j++)
                {
                    logits[(long)j * lmHead.Rows + r] = lmHead.Dot(r, n + j * h);
                }
            }
        }
    }

    /// <summary>
    /// Rows [first, end) of the stacked q/k/v output that fall in this matrix (which starts at <paramref name="offset"/>
    /// of the stack): output[b, row] = W[row] · x[b] + bias[row].
    /// </summary>
    private static void Project(MatrixView weights, float* bias, float* x, float* output, int rows, int first, int end, int offset)
    {
        var from = Math.Max(first - offset, 0);
        var to = Math.Min(end - offset, weights.Rows);
        for (var r = from; r < to; r++)
        {
            for (var b = 0; b < rows; b++)
            {
                output[b * weights.Rows + r] = weights.Dot(r, x + b * weights.Columns) + (bias == null ? 0 : bias[r]);
            }
        }
    }

    /// <summary>The residual add of a projection: hidden[b, row] += W[row] · x[b] for rows [first, end).</summary>
    private static void AddProjection(MatrixView weights, float* x, float* hidden, int rows, int first, int end)
    {
        for (var r = first; r < end; r++)
        {
            for (var b = 0; b < rows; b++)
            {
                hidden[b * weights.Rows + r] += weights.Dot(r, x + b * weights.Columns);
            }
        }
    }

    /// <summary>
    /// Attention of query heads [head, head + count) of one sequence, all under one KV head, over its context: one
    /// pass over the cached K and V serves them all. The new token's K and V come from this worker's own rotated copy
    /// (rounded as the cache stores them), so workers sharing a KV head never wait for each other's cache write; the
    /// worker holding the group's first query head writes them.
    /// </summary>
    private void Attend(int worker, int layer, int row, int head, int count, DecodeRow step, KvView kv, float* q, float* k, float* v, float* attn)
    {
        var d = spec.HeadDim;
        var half = d / 2;
        var kvHead = head / group;
        fixed (float* c = cos, s = sin, keyP = keyRow[worker], valueP = valueRow[worker])
        {
            new Span<float>(k + row * keyValueWidth + kvHead * d, d).CopyTo(new Span<float>(keyP, d));
            new Span<float>(v + row * keyValueWidth + kvHead * d, d).CopyTo(new Span<float>(valueP, d));
            Kernels.Rotate(keyP, c + row * half, s + row * half, half);
            kv.RoundAsStored(keyP);
            kv.RoundAsStored(valueP);
            if (head % group == 0)
            {
                kv.Store(layer, step.Slot, kvHead, keyP, valueP);
            }

            var heads = q + row * queryWidth + head * d;
            for (var i = 0; i < count; i++)
            {
                Kernels.Rotate(heads + i * d, c + row * half, s + row * half, half);
            }

            PagedAttend(worker, layer, kvHead, count, heads, step.BlockTable, step.ContextLength - 1, kv, keyP, valueP, attn + row * queryWidth + head * d);
        }
    }

    public void Dispose()
    {
        team.Dispose();
        DisposeGemmTensors();
        gemmAttention.Dispose();
    }

    /// <summary>
    /// Attention work of a GEMM step: <paramref name="Tokens"/> consecutive new tokens of a sequence from step row
    /// <paramref name="Row"/>, the first at position <paramref name="Start"/>, for the query heads of one KV head;
    /// through <see cref="GemmAttention"/> when <paramref name="ByGemm"/>.
    /// </summary>
    private sealed record AttentionItem(int Row, int Tokens, int Start, int KvHead, long[] BlockTable, bool ByGemm);

    /// <summary>A step's attention items, and each worker's share of them: items [Bounds[w], Bounds[w + 1]).</summary>
    private sealed record AttentionWork(IReadOnlyList<AttentionItem> Items, int[] Bounds);

    /// <summary>One decoding sequence of the step: where its new K/V go, its context length and its block table.</summary>
    private sealed record DecodeRow(long Slot, int ContextLength, long[] BlockTable);

    /// <summary>A decoder layer's weights as views, and its small vectors (norms, biases) as pinned float32.</summary>
    private sealed class LayerView
    {
        private readonly float[] inputNorm, postAttentionNorm;
        private readonly float[]? qBias, kBias, vBias;

        public LayerView(DecoderLayer layer)
        {
            Q = MatrixView.Of(layer.QWeight);
            K = MatrixView.Of(layer.KWeight);
            V = MatrixView.Of(layer.VWeight);
            O = MatrixView.Of(layer.OWeight);
            Gate = MatrixView.Of(layer.GateWeight);
            Up = MatrixView.Of(layer.UpWeight);
            Down = MatrixView.Of(layer.DownWeight);
            inputNorm = MatrixView.Of(layer.InputNormWeight).ToPinnedArray();
            postAttentionNorm = MatrixView.Of(layer.PostAttentionNormWeight).ToPinnedArray();
            qBias = Pinned(layer.QBias);
            kBias = Pinned(layer.KBias);
            vBias = Pinned(layer.VBias);
        }

        public MatrixView Q { get; }

        public MatrixView K { get; }

        public MatrixView V { get; }

        public MatrixView O { get; }

        public MatrixView Gate { get; }

        public MatrixView Up { get; }

        public MatrixView Down { get; }

        public float* InputNorm => Address(inputNorm);

        public float* PostAttentionNorm => Address(postAttentionNorm);

        public float* QBias => Address(qBias);

        public float* KBias => Address(kBias);

        public float* VBias => Address(vBias);

        private static float[]? Pinned(Tensor? tensor) => tensor is null ? null : MatrixView.Of(tensor).ToPinnedArray();

        private static float* Address(float[]? pinned) => pinned is null ? null : (float*)Unsafe.AsPointer(ref pinned[0]);
    }

    /// <summary>The paged KV pools of every layer, read and written in place: [blocks × block_size, kv_heads, head_dim].</summary>
    private sealed class KvView(PagedKvCache cache)
    {
        private readonly MatrixView[] keys = Enumerable.Range(0, cache.Layers).Select(l => MatrixView.Of(cache.KeyPool(l))).ToArray();
        private readonly MatrixView[] values = Enumerable.Range(0, cache.Layers).Select(l => MatrixView.Of(cache.ValuePool(l))).ToArray();
        private readonly int headDim = cache.HeadDim;
        private readonly int heads = cache.KeyValueHeads;

        public int BlockSize => cache.BlockSize;

        public bool IsBFloat16 => keys[0].IsBFloat16;

        public void* Keys(int layer) => keys[layer].At(0);

        public void* Values(int layer) => values[layer].At(0);

        /// <summary>Rounds a K or V head to what storing it in the cache keeps.</summary>
        public void RoundAsStored(float* head)
        {
            if (IsBFloat16)
            {
                for (var i = 0; i < headDim; i++)
                {
                    head[i] = Kernels.FromBFloat16(Kernels.ToBFloat16(head[i]));
                }
            }
        }

        public bool Views(PagedKvCache other) => ReferenceEquals(cache, other);

        public void Store(int layer, long slot, int head, float* key, float* value)
        {
            var offset = (slot * heads + head) * headDim;
            Kernels.FromFloat(key, keys[layer].At(offset), keys[layer].IsBFloat16, headDim);
            Kernels.FromFloat(value, values[layer].At(offset), values[layer].IsBFloat16, headDim);
        }
    }
}
