using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Cpu;
using LlmPlatform.Engine.Model;
using LlmPlatform.Models.HuggingFace;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The C# CPU decode path (CpuDecoder) against libtorch's forward and the numpy reference; the reference comparison
/// of every config is in ForwardPassTests, run on both paths.
/// </summary>
public sealed class CpuDecoderTests
{
    private const int BlockSize = 16;

    [Fact]
    public void A_sequence_gets_bit_identical_logits_alone_and_in_a_full_batch()
    {
        var tokens = ReferenceCases.Logits("qwen2-bias-untied").Tokens;
        using var model = Load("qwen2-bias-untied", ScalarType.Float32);
        using var cache = new PagedKvCache(model.Spec.Layers, blocks: 64, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, CPU);
        // Sequence i owns blocks 2i and 2i + 1 and has cached 5 + i tokens.
        var sequences = Enumerable.Range(0, CpuDecoder.MaxBatch)
            .Select(i => new SequenceStep([2 * i, 2 * i + 1], 5 + i, [tokens[5 + i]]))
            .ToArray();
        foreach (var sequence in sequences)
        {
            Run(model, cache, sequence with { CachedTokens = 0, NewTokens = tokens[..sequence.CachedTokens] });
        }

        var alone = Run(model, cache, sequences[3])[0];
        var batched = Run(model, cache, sequences)[3];

        Assert.Equal(alone, batched);
    }

    [Fact]
    public void Bfloat16_decode_agrees_with_libtorch_and_the_reference()
    {
        var reference = ReferenceCases.Logits("llama-gqa");
        var tokens = reference.Tokens;
        using var kernels = Load("llama-gqa", ScalarType.BFloat16);
        using var libtorch = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), ScalarType.BFloat16, CPU, cpuDecodeKernels: false);
        var rows = new List<(float[] Kernels, float[] Libtorch)>();
        using (var kernelCache = Cache(kernels))
        using (var libtorchCache = Cache(libtorch))
        {
            Run(kernels, kernelCache, new SequenceStep([1, 0], 0, tokens[..8]));
            Run(libtorch, libtorchCache, new SequenceStep([1, 0], 0, tokens[..8]));
            for (var position = 8; position < tokens.Length; position++)
            {
                var step = new SequenceStep([1, 0], position, [tokens[position]]);
                rows.Add((Run(kernels, kernelCache, step)[0], Run(libtorch, libtorchCache, step)[0]));
            }
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var expected = reference.Rows[8 + i];
            var (viaKernels, viaLibtorch) = rows[i];
            Assert.Equal(expected.Top[0].Id, Array.IndexOf(viaKernels, viaKernels.Max()));
            for (var j = 0; j < expected.First.Length; j++)
            {
                Assert.True(Math.Abs(viaKernels[j] - expected.First[j]) <= 0.05, $"position {8 + i} logit {j}: kernels {viaKernels[j]}, reference {expected.First[j]}");
                Assert.True(Math.Abs(viaKernels[j] - viaLibtorch[j]) <= 0.05, $"position {8 + i} logit {j}: kernels {viaKernels[j]}, libtorch {viaLibtorch[j]}");
            }
        }
    }

    [Fact]
    public void Every_step_goes_whole_to_the_team_prefill_chunks_past_the_kernels_context_included()
    {
        var longChunk = Enumerable.Range(0, CpuDecoder.MaxKernelPrefillContext + 1).ToArray();
        using var one = StepInputs.Build(BlockSize, CPU, new SequenceStep([0], 3, [1])).Batch;
        using var mixed = StepInputs.Build(BlockSize, CPU, new SequenceStep([0], 3, [1]), new SequenceStep([1], 0, [1, 2])).Batch;
        using var over = StepInputs.Build(BlockSize, CPU, Enumerable.Range(0, CpuDecoder.MaxBatch + 1).Select(i => new SequenceStep([i], 3, [1])).ToArray()).Batch;
        using var longPrefill = StepInputs.Build(BlockSize, CPU, new SequenceStep([0], 3, [1]), new SequenceStep(Enumerable.Range(1, 33).ToArray(), 0, longChunk)).Batch;

        Assert.True(CpuDecoder.Takes(one));
        Assert.True(CpuDecoder.Takes(mixed));
        Assert.True(CpuDecoder.Takes(over));
        Assert.True(CpuDecoder.Takes(longPrefill));
    }

    /// <summary>
    /// Steps the decoder takes whole beyond <see cref="CpuDecoder.MaxBatch"/> decodes (GEMM projections on the team,
    /// CpuDecoder.Gemm.cs) against libtorch's forward, row by row, in both dtypes: with q/k/v biases and untied
    /// embeddings in float32, GQA in bfloat16. Nine prompts prefilled in one step and decoded in the next, the other 21
    /// prefilled in one step (the token buffers grow) and 29 decoded (the logit buffers grow), then a step mixing 6
    /// decodes with prefill chunks: two new prompts and the continuation of a cached one.
    /// </summary>
    [Theory]
    [InlineData("qwen2-bias-untied", ScalarType.Float32, 2e-4)]
    [InlineData("llama-gqa", ScalarType.BFloat16, 0.05)]
    public void Steps_taken_whole_beyond_max_batch_decodes_match_libtorch(string config, ScalarType dtype, double tolerance)
    {
        var random = new Random(3);
        int[] Tokens(int count) => Enumerable.Range(0, count).Select(_ => random.Next(0, 200)).ToArray();
        var prompts = Enumerable.Range(0, 30).Select(i => Tokens(1 + i % 17)).ToArray();
        var next = Tokens(30);
        var (first, second, continuation) = (Tokens(40), Tokens(3), Tokens(21));
        // Sequence i owns blocks 3i to 3i + 2 (a prompt and its continuation fill at most 17 + 21 + 1 slots).
        int[] Blocks(int i) => [3 * i, 3 * i + 1, 3 * i + 2];
        SequenceStep Decode(int i) => new(Blocks(i), prompts[i].Length, [next[i]]);

        var results = new List<List<float[]>>();
        foreach (var kernels in new[] { true, false })
        {
            using var model = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory(config)), dtype, CPU, cpuDecodeKernels: kernels);
            using var cache = new PagedKvCache(model.Spec.Layers, blocks: 100, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, CPU);
            var mixed = Enumerable.Range(0, 6).Select(Decode)
                .Append(new SequenceStep(Blocks(30), 0, first))
                .Append(new SequenceStep(Blocks(31), 0, second))
                .Append(new SequenceStep(Blocks(29), prompts[29].Length, continuation))
                .ToArray();
            SequenceStep[] Prefill(int from, int count) => Enumerable.Range(from, count).Select(i => new SequenceStep(Blocks(i), 0, prompts[i])).ToArray();
            results.Add([
                .. Run(model, cache, Prefill(0, 9)),
                .. Run(model, cache, Enumerable.Range(0, 9).Select(Decode).ToArray()),
                .. Run(model, cache, Prefill(9, 21)),
                .. Run(model, cache, Enumerable.Range(0, 29).Select(Decode).ToArray()),
                .. Run(model, cache, mixed),
            ]);
        }

        Assert.Equal(9 + 9 + 21 + 29 + 9, results[0].Count);
        AssertRowsAgree(results[0], results[1], tolerance);
    }

    [Fact]
    public void Long_contexts_grow_the_attention_scratch()
    {
        // More context than the scratch first holds (256 positions per head): a 300-token prompt, then a decode step.
        var random = new Random(5);
        var tokens = Enumerable.Range(0, 301).Select(_ => random.Next(0, 200)).ToArray();
        using var kernels = Load("llama-gqa", ScalarType.Float32);
        using var libtorch = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), ScalarType.Float32, CPU, cpuDecodeKernels: false);
        using var kernelCache = new PagedKvCache(kernels.Spec.Layers, 20, BlockSize, kernels.Spec.KeyValueHeads, kernels.Spec.HeadDim, kernels.DType, CPU);
        using var libtorchCache = new PagedKvCache(libtorch.Spec.Layers, 20, BlockSize, libtorch.Spec.KeyValueHeads, libtorch.Spec.HeadDim, libtorch.DType, CPU);
        var blocks = Enumerable.Range(0, 19).Reverse().ToArray();
        Run(kernels, kernelCache, new SequenceStep(blocks, 0, tokens[..300]));
        Run(libtorch, libtorchCache, new SequenceStep(blocks, 0, tokens[..300]));

        var viaKernels = Run(kernels, kernelCache, new SequenceStep(blocks, 300, [tokens[300]]))[0];
        var viaLibtorch = Run(libtorch, libtorchCache, new SequenceStep(blocks, 300, [tokens[300]]))[0];

        AssertRowsAgree([viaKernels], [viaLibtorch], 2e-4);
    }

    /// <summary>
    /// One GEMM step with every kind of attention item against libtorch's forward (SDPA), in both dtypes: a decode
    /// (PagedAttention), a short new chunk (ChunkAttention), and two chunks past the kernels' context (GemmAttention):
    /// a new prompt of 520 tokens, and 257 tokens continuing a cached 300-token prefix, whose runs start mid-context
    /// and end in a run of one token. That run once went to the decode kernel, whose scratch is sized for the kernels'
    /// items only, and overran it: the collection after the step is there to trip over such a write.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.Float32, 2e-4)]
    [InlineData(ScalarType.BFloat16, 0.05)]
    public void A_step_mixing_decodes_and_short_and_long_prefill_chunks_matches_libtorch(ScalarType dtype, double tolerance)
    {
        var random = new Random(11);
        int[] Tokens(int count) => Enumerable.Range(0, count).Select(_ => random.Next(0, 200)).ToArray();
        var (prefix, continuation, longChunk) = (Tokens(300), Tokens(4 * GemmAttention.RunTokens + 1), Tokens(CpuDecoder.MaxKernelPrefillContext + 8));
        var (shortChunk, decoded) = (Tokens(20), Tokens(6));
        int[] Blocks(int first, int tokens) => Enumerable.Range(first, (tokens + BlockSize - 1) / BlockSize).ToArray();
        var continued = Blocks(0, prefix.Length + continuation.Length);
        var steps = new[]
        {
            new SequenceStep(continued, prefix.Length, continuation),
            new SequenceStep(Blocks(continued.Length, longChunk.Length), 0, longChunk),
            new SequenceStep([80, 81], 0, shortChunk),
            new SequenceStep([82], 5, decoded[5..]),
        };
        Assert.False(CpuDecoder.AttendsInKernel(new SequenceSlice(0, continuation.Length, prefix.Length + continuation.Length, [])));
        Assert.True(CpuDecoder.AttendsInKernel(new SequenceSlice(0, shortChunk.Length, shortChunk.Length, [])));

        var results = new List<List<float[]>>();
        foreach (var kernels in new[] { true, false })
        {
            using var model = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), dtype, CPU, cpuDecodeKernels: kernels);
            using var cache = new PagedKvCache(model.Spec.Layers, blocks: 84, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, CPU);
            Run(model, cache, new SequenceStep([82], 0, decoded[..5]), new SequenceStep(continued, 0, prefix));
            results.Add(Run(model, cache, steps));
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(steps.Length, results[0].Count);
        AssertRowsAgree(results[0], results[1], tolerance);
    }

    /// <summary>Every logit of every row computed with the kernels within <paramref name="tolerance"/> of libtorch's.</summary>
    private static void AssertRowsAgree(IReadOnlyList<float[]> viaKernels, IReadOnlyList<float[]> viaLibtorch, double tolerance)
    {
        Assert.Equal(viaLibtorch.Count, viaKernels.Count);
        for (var row = 0; row < viaKernels.Count; row++)
        {
            for (var j = 0; j < viaKernels[row].Length; j++)
            {
                Assert.True(Math.Abs(viaKernels[row][j] - viaLibtorch[row][j]) <= tolerance,
                    $"row {row} logit {j}: kernels {viaKernels[row][j]}, libtorch {viaLibtorch[row][j]}");
            }
        }
    }

    private static CausalLanguageModel Load(string name, ScalarType dtype)
    {
        var model = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory(name)), dtype, CPU);
        Assert.True(model.UsesCpuDecodeKernels);
        return model;
    }

    private static PagedKvCache Cache(CausalLanguageModel model) =>
        new(model.Spec.Layers, blocks: 8, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, CPU);

    /// <summary>One step; the logits of each sequence's last token.</summary>
    private static List<float[]> Run(CausalLanguageModel model, PagedKvCache cache, params SequenceStep[] steps)
    {
        var (ids, positions, batch, last) = StepInputs.Build(BlockSize, model.Device, steps);
        using (batch)
        using (var logits = model.Forward(ids, positions, batch, cache, last))
        {
            return Enumerable.Range(0, (int)logits.shape[0]).Select(i => logits[i].data<float>().ToArray()).ToList();
        }
    }
}
