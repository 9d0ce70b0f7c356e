using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Sampling;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>
/// A decode step of <c>batch</c> sequences at one context length, laid out as ModelRunner lays it out (each sequence
/// its own blocks, its new token at the last position), with random activations of the shapes a layer sees. Its
/// tensors belong to the dispose scope it is created in; the KV pool is its own.
/// </summary>
internal sealed class DecodeStepInputs : IDisposable
{
    public DecodeStepInputs(BenchModel bench, int batch, int context, int seed)
    {
        var spec = bench.Spec;
        var dtype = bench.DType;
        var blockSize = EngineHarness.BlockSize;
        Batch = batch;
        Context = context;
        BlocksPerSequence = (context + blockSize - 1) / blockSize;
        Cache = bench.NewCache(batch * BlocksPerSequence, blockSize);
        var tables = Enumerable.Range(0, batch).Select(b => Enumerable.Range(b * BlocksPerSequence, BlocksPerSequence).Select(i => (long)i).ToArray()).ToArray();
        Tables = tables.Select(t => tensor(t)).ToArray();
        AllBlocks = tensor(Enumerable.Range(0, batch * BlocksPerSequence).Select(i => (long)i).ToArray());
        var position = context - 1;
        var slots = Enumerable.Range(0, batch).Select(b => (long)(b * BlocksPerSequence + position / blockSize) * blockSize + position % blockSize).ToArray();
        Attention = new AttentionBatch(slots, Enumerable.Range(0, batch).Select(b => new SequenceSlice(b, 1, context, tables[b])).ToList(), CPU);
        Slots = Attention.SlotMapping;
        Ids = randint(0, spec.VocabSize, [batch], ScalarType.Int64);
        Positions = full([batch], position, ScalarType.Int64);
        LogitRows = arange(batch, ScalarType.Int64);
        Hidden = randn([batch, spec.HiddenSize], dtype).mul_(0.1);
        Query = randn([batch, spec.Heads, spec.HeadDim], dtype);
        Key = randn([batch, spec.KeyValueHeads, spec.HeadDim], dtype);
        Value = randn([batch, spec.KeyValueHeads, spec.HeadDim], dtype);
        Gate = randn([batch, spec.IntermediateSize], dtype);
        Up = randn([batch, spec.IntermediateSize], dtype);
        Logits = randn([batch, spec.VocabSize], ScalarType.Float32);
        SamplingRows = Enumerable.Range(0, batch).Select(_ => new SamplingRow { Temperature = 0, Random = new Random(seed) }).ToList();
        Padding = ones([batch, 1, 1, PaddedContext], ScalarType.Bool);
        Padding.narrow(3, context, PaddedContext - context).fill_(false);
    }

    public int Batch { get; }

    public int Context { get; }

    public int BlocksPerSequence { get; }

    /// <summary>The context rounded up to whole blocks: what a batched gather of block tables returns per sequence.</summary>
    public int PaddedContext => BlocksPerSequence * EngineHarness.BlockSize;

    public PagedKvCache Cache { get; }

    public Tensor[] Tables { get; }

    /// <summary>Every sequence's block table, concatenated (batch × blocks per sequence).</summary>
    public Tensor AllBlocks { get; }

    public Tensor Slots { get; }

    public AttentionBatch Attention { get; }

    public Tensor Ids { get; }

    public Tensor Positions { get; }

    public Tensor LogitRows { get; }

    public Tensor Hidden { get; }

    public Tensor Query { get; }

    public Tensor Key { get; }

    public Tensor Value { get; }

    public Tensor Gate { get; }

    public Tensor Up { get; }

    public Tensor Logits { get; }

    public IReadOnlyList<SamplingRow> SamplingRows { get; }

    /// <summary>[batch, 1, 1, padded context]: true where a position holds one of the sequence's tokens.</summary>
    public Tensor Padding { get; }

    public void Dispose() => Cache.Dispose();
}
