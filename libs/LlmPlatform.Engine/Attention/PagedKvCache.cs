using static TorchSharp.torch;

namespace LlmPlatform.Engine.Attention;

/// <summary>
/// The KV cache: per layer, one preallocated pool of K and one of V, [blocks, block_size, kv_heads, head_dim].
/// Sequences own blocks through block tables; nothing is allocated per request.
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    public PagedKvCache(int layers, int blocks, int blockSize, int keyValueHeads, int headDim, ScalarType dtype, Device device)
    {
        Blocks = blocks;
        BlockSize = blockSize;
        KeyValueHeads = keyValueHeads;
        HeadDim = headDim;
        keys = Enumerable.Range(0, layers).Select(_ => zeros([blocks, blockSize, keyValueHeads, headDim], dtype, device)).ToArray();
        values = Enumerable.Range(0, layers).Select(_ => zeros([blocks, blockSize, keyValueHeads, headDim], dtype, device)).ToArray();
    }

    public int Blocks { get; }

    public int BlockSize { get; }

    public int Layers => keys.Length;

    public int KeyValueHeads { get; }

    public int HeadDim { get; }

    /// <summary>Layer <paramref name="layer"/>'s K pool, for kernels that read and write it in place.</summary>
    internal Tensor KeyPool(int layer) => keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s V pool, for kernels that read and write it in place.</summary>
    internal Tensor ValuePool(int layer) => values[layer];

    /// <summary>How many blocks fit in a memory budget, for the given model shape and dtype.</summary>
    public static int BlocksFor(long budgetBytes, int layers, int blockSize, int keyValueHeads, int headDim, ScalarType dtype)
    {
        var bytesPerBlock = 2L * layers * blockSize * keyValueHeads * headDim * ElementSize(dtype);
        return (int)Math.Max(0, budgetBytes / bytesPerBlock);
    }

    /// <summary>Stores new tokens' K and V [tokens, kv_heads, head_dim] at their slots.</summary>
    public void Write(int layer, Tensor key, Tensor value, Tensor slots)
    {
        using var scope = NewDisposeScope();
        Flat(keys[layer]).index_copy_(0, slots, key);
        Flat(values[layer]).index_copy_(0, slots, value);
    }

    /// <summary>A sequence's first <paramref name="length"/> cached K and V, as [kv_heads, length, head_dim].</summary>
    public (Tensor Key, Tensor Value) Read(int layer, Tensor blockTable, int length) =>
        (Gather(keys[layer], blockTable, length), Gather(values[layer], blockTable, length));

    /// <summary>Many sequences' cached K and V at once, padded to the longest: [sequences, kv_heads, maxBlocks × block_size, head_dim].</summary>
    public (Tensor Key, Tensor Value) ReadPadded(int layer, Tensor flatBlockTables, int sequences, int maxBlocks) =>
        (GatherPadded(keys[layer], flatBlockTables, sequences, maxBlocks), GatherPadded(values[layer], flatBlockTables, sequences, maxBlocks));

    private Tensor GatherPadded(Tensor pool, Tensor flatBlockTables, int sequences, int maxBlocks) =>
        pool.index_select(0, flatBlockTables).view(sequences, maxBlocks * BlockSize, pool.shape[2], pool.shape[3]).permute(0, 2, 1, 3);

    private Tensor Gather(Tensor pool, Tensor blockTable, int length)
    {
        var blocks = pool.index_select(0, blockTable);
        return blocks.reshape(blocks.shape[0] * BlockSize, blocks.shape[2], blocks.shape[3]).narrow(0, 0, length).permute(1, 0, 2);
    }

    private Tensor Flat(Tensor pool) => pool.view(pool.shape[0] * pool.shape[1], pool.shape[2], pool.shape[3]);

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "KV cache dtype must be float32, bfloat16 or float16."),
    };

    public void Dispose()
    {
        foreach (var tensor in keys.Concat(values))
        {
            tensor.Dispose();
        }
    }
}
