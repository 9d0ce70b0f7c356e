using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Causal attention of a run of a long prefill chunk's tokens, for the query heads under one KV head, as two GEMMs
/// per run: scores = Q·Kᵀ in float32 for all the run's queries at once, a causal softmax in C#, then P·V in the
/// cache's dtype. Each worker calls libtorch's GEMM single-threaded on its own runs, inside the GEMM step's team run.
/// </summary>
/// <remarks>
/// <see cref="ChunkAttention"/> scores each query against a float32 copy of the whole context, which falls behind past
/// a few hundred positions; libtorch's SDPA, which had those chunks, ran at 27-45 GFLOP/s a core on them. On one core,
/// for 160 queries of three heads over 1,200 positions, SDPA took 3.3 ms and these GEMMs (with libtorch's softmax)
/// 1.7; for 256 over 2,000, 14.5 and 4.5 (docs/benchmarks.md, "Long prefill chunks in the GEMM step"). Q·Kᵀ stays in
/// float32: its inner dimension is only head_dim, and bfloat16 scores would lose the softmax's precision.
/// </remarks>
internal sealed unsafe class GemmAttention : IDisposable
{
    /// <summary>Tokens of a chunk per run: their queries share one copy of the context and make the GEMMs' rows.</summary>
    public const int RunTokens = 64;

    private readonly int heads, headDim, maxPositions;
    private readonly Scratch?[] scratch;
    private ScalarType cacheType;
    private int capacity;

    /// <param name="workers">The team's size: each worker has its own scratch.</param>
    /// <param name="heads">Query heads per KV head.</param>
    /// <param name="maxPositions">The model's longest context: scratch never grows past it.</param>
    public GemmAttention(int workers, int heads, int headDim, int maxPositions)
    {
        (this.heads, this.headDim, this.maxPositions) = (heads, headDim, maxPositions);
        scratch = new Scratch?[workers];
    }

    /// <summary>
    /// Grows every worker's scratch to runs over <paramref name="contextLength"/> positions (doubling, up to the
    /// model's longest context) of a cache of the given dtype; not during a team run. A worker's scratch takes ~1.5 KB
    /// per position for three query heads per KV head (the scores and weights of 192 query rows): ~48 MB at 32k.
    /// </summary>
    public void EnsureCapacity(int contextLength, bool bfloat16Cache)
    {
        var type = bfloat16Cache ? ScalarType.BFloat16 : ScalarType.Float32;
        if (contextLength <= capacity && type == cacheType)
        {
            return;
        }

        (capacity, cacheType) = (Math.Max(contextLength, Math.Min(maxPositions, 2 * capacity)), type);
        var rows = heads * RunTokens;
        for (var w = 0; w < scratch.Length; w++)
        {
            scratch[w]?.Dispose();
            scratch[w] = new Scratch(
                Queries: Buffer(rows * headDim, ScalarType.Float32),
                Keys: Buffer(capacity * headDim, ScalarType.Float32),
                Values: Buffer(capacity * headDim, cacheType),
                Scores: Buffer(rows * capacity, ScalarType.Float32),
                Weights: Buffer(rows * capacity, cacheType),
                Output: Buffer(rows * headDim, cacheType));
        }

        // Kept across steps: detached from the dispose scope of the step that grew them.
        static Tensor Buffer(long elements, ScalarType type) => empty([elements], type).DetachFromDisposeScope();
    }

    /// <summary>
    /// output[t, i] = softmax(scale · q[t, i] · Kᵀ) · V over positions [0, start + t], for the <paramref name="tokens"/>
    /// (at most <see cref="RunTokens"/>) tokens t at positions start, start + 1, … and the query heads i of each, on
    /// worker <paramref name="worker"/>'s scratch; rows and heads laid out as in <see cref="ChunkAttention.Attend{T}"/>.
    /// The tokens' K/V are already in the pools ([slots, kvHeads, headDim] of the cache's dtype).
    /// </summary>
    public void Attend(int worker, float* queries, float* output, int stride, int tokens, float scale,
        void* keys, void* values, int kvHeads, int kvHead, long[] blockTable, int blockSize, int start)
    {
        using var scope = NewDisposeScope();
        var context = start + tokens;
        var rows = heads * tokens;
        var bfloat16 = cacheType == ScalarType.BFloat16;
        var element = bfloat16 ? sizeof(ushort) : sizeof(float);
        var own = scratch[worker]!;
        var q = (float*)MatrixView.Address(own.Queries);
        var k = (float*)MatrixView.Address(own.Keys);
        var v = (byte*)MatrixView.Address(own.Values);
        var s = (float*)MatrixView.Address(own.Scores);
        var p = (byte*)MatrixView.Address(own.Weights);
        var o = (byte*)MatrixView.Address(own.Output);

        // Row i · tokens + t of the queries is head i of token t, scaled here rather than in the scores.
        for (var i = 0; i < heads; i++)
        {
            for (var t = 0; t < tokens; t++)
            {
                var from = queries + (long)t * stride + i * headDim;
                var to = q + (long)(i * tokens + t) * headDim;
                for (var d = 0; d < headDim; d++)
                {
                    to[d] = from[d] * scale;
                }
            }
        }

        var rowBytes = headDim * element;
        for (var position = 0; position < context; position++)
        {
            var slot = blockTable[position / blockSize] * blockSize + position % blockSize;
            var offset = (slot * kvHeads + kvHead) * rowBytes;
            Kernels.ToFloat((byte*)keys + offset, bfloat16, k + (long)position * headDim, headDim);
            System.Buffer.MemoryCopy((byte*)values + offset, v + (long)position * rowBytes, rowBytes, rowBytes);
        }

        Matrix(own.Scores, rows, context).addmm_(Matrix(own.Queries, rows, headDim), Matrix(own.Keys, context, headDim).t(), beta: 0, alpha: 1);
        for (var i = 0; i < heads; i++)
        {
            for (var t = 0; t < tokens; t++)
            {
                // Token t sees positions [0, start + t]; the weights past them are zero, so P·V reads no stale values.
                var row = (long)(i * tokens + t) * context;
                var length = start + t + 1;
                Kernels.Softmax(s + row, length);
                Kernels.FromFloat(s + row, p + row * element, bfloat16, length);
                new Span<byte>(p + (row + length) * element, (context - length) * element).Clear();
            }
        }

        Matrix(own.Output, rows, headDim).addmm_(Matrix(own.Weights, rows, context), Matrix(own.Values, context, headDim), beta: 0, alpha: 1);
        for (var i = 0; i < heads; i++)
        {
            for (var t = 0; t < tokens; t++)
            {
                Kernels.ToFloat(o + (long)(i * tokens + t) * rowBytes, bfloat16, output + (long)t * stride + i * headDim, headDim);
            }
        }
    }

    public void Dispose()
    {
        foreach (var own in scratch)
        {
            own?.Dispose();
        }
    }

    private static Tensor Matrix(Tensor buffer, int rows, int columns) => buffer.narrow(0, 0, (long)rows * columns).view(rows, columns);

    /// <summary>A worker's buffers: queries [rows, d] f32, keys [positions, d] f32, values [positions, d], scores and weights [rows, positions], output [rows, d].</summary>
    private sealed record Scratch(Tensor Queries, Tensor Keys, Tensor Values, Tensor Scores, Tensor Weights, Tensor Output) : IDisposable
    {
        public void Dispose()
        {
            foreach (var buffer in new[] { Queries, Keys, Values, Scores, Weights, Output })
            {
                buffer.Dispose();
            }
        }
    }
}
