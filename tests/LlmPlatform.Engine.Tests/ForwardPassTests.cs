using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Models.HuggingFace;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The forward pass against an independent numpy implementation (tools/model-reference), and the paged KV cache
/// against the one-shot forward: chunked prefill, decode and batching must not change any logit.
/// </summary>
public sealed class ForwardPassTests
{
    private const int BlockSize = 16;
    private const double Tolerance = 2e-4;

    public static TheoryData<string> Cases() => new(ReferenceCases.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prefill_logits_match_the_numpy_reference_at_every_position(string name)
    {
        var reference = ReferenceCases.Logits(name);
        using var model = Load(name, ScalarType.Float32);
        using var cache = Cache(model);

        var logits = Prefill(model, cache, reference.Tokens, [3, 1]);

        for (var position = 0; position < reference.Rows.Length; position++)
        {
            AssertMatches(reference.Rows[position], logits[position], Tolerance, $"{name} position {position}");
        }
    }

    /// <summary>Every case with decode steps on the C# CPU kernels and on libtorch.</summary>
    public static TheoryData<string, bool> CasesOnBothDecodePaths()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in ReferenceCases.Names)
        {
            data.Add(name, true);
            data.Add(name, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CasesOnBothDecodePaths))]
    public void Chunked_prefill_and_token_by_token_decode_give_the_same_logits(string name, bool cpuDecodeKernels)
    {
        var reference = ReferenceCases.Logits(name);
        var tokens = reference.Tokens;
        using var model = Load(name, ScalarType.Float32, cpuDecodeKernels);
        // The C# decode kernels exist for the CPU only: elsewhere both cases run libtorch throughout.
        Assert.Equal(cpuDecodeKernels && model.Device.type == TorchSharp.DeviceType.CPU, model.UsesCpuDecodeKernels);
        using var cache = Cache(model);
        int[] blocks = [5, 2];

        var rows = new List<float[]>();
        rows.AddRange(Step(model, cache, new SequenceStep(blocks, 0, tokens[..5]), allRows: true));
        rows.AddRange(Step(model, cache, new SequenceStep(blocks, 5, tokens[5..12]), allRows: true));
        for (var position = 12; position < tokens.Length; position++)
        {
            rows.AddRange(Step(model, cache, new SequenceStep(blocks, position, [tokens[position]]), allRows: true));
        }

        for (var position = 0; position < tokens.Length; position++)
        {
            AssertMatches(reference.Rows[position], rows[position], Tolerance, $"{name} position {position}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Sequences_batched_in_one_step_do_not_affect_each_other(bool cpuDecodeKernels)
    {
        var reference = ReferenceCases.Logits("llama-gqa");
        var tokens = reference.Tokens;
        using var model = Load("llama-gqa", ScalarType.Float32, cpuDecodeKernels);
        using var cache = Cache(model);
        Step(model, cache, new SequenceStep([0, 1], 0, tokens[..10]), allRows: false);

        // One step: the first sequence decodes one token, a second one (other blocks) prefills 7, a third decodes too.
        var (ids, positions, batch, last) = StepInputs.Build(BlockSize, model.Device,
            new SequenceStep([0, 1], 10, [tokens[10]]),
            new SequenceStep([4], 0, tokens[..7]),
            new SequenceStep([6, 7], 0, tokens[..1]));
        using (batch)
        using (var logits = model.Forward(ids, positions, batch, cache, last))
        {
            var rows = Rows(logits);
            AssertMatches(reference.Rows[10], rows[0], Tolerance, "decoding sequence");
            AssertMatches(reference.Rows[6], rows[1], Tolerance, "prefilling sequence");
            AssertMatches(reference.Rows[0], rows[2], Tolerance, "single-token sequence");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Prefill_chunks_of_different_lengths_in_one_step_match_the_reference_at_every_row(bool cpuDecodeKernels)
    {
        var reference = ReferenceCases.Logits("llama-gqa");
        var tokens = reference.Tokens;
        using var model = Load("llama-gqa", ScalarType.Float32, cpuDecodeKernels);
        using var cache = Cache(model);
        Step(model, cache, new SequenceStep([0, 1], 0, tokens[..10]), allRows: false);

        // Chunks of 7, 5, 3 and 2 tokens, which libtorch attends in padded groups: the longest continues a cached
        // sequence across a block boundary, the others start new ones.
        SequenceStep[] steps =
        [
            new([0, 1], 10, tokens[10..17]),
            new([2], 0, tokens[..5]),
            new([3], 0, tokens[..3]),
            new([4], 0, tokens[..2]),
        ];
        var (ids, positions, batch, _) = StepInputs.Build(BlockSize, model.Device, steps);
        var groups = PrefillGroup.Partition(batch.Sequences, BlockSize, model.Spec.Heads / model.Spec.KeyValueHeads, CPU);
        Assert.Contains(groups, g => g.Count > 1 && g.ValidPositions is not null);
        foreach (var group in groups)
        {
            group.Dispose();
        }

        using (batch)
        using (var all = StepInputs.Rows(0, steps.Sum(s => s.NewTokens.Length), model.Device))
        using (var logits = model.Forward(ids, positions, batch, cache, all))
        {
            var rows = Rows(logits);
            var row = 0;
            foreach (var step in steps)
            {
                for (var i = 0; i < step.NewTokens.Length; i++, row++)
                {
                    AssertMatches(reference.Rows[step.CachedTokens + i], rows[row], Tolerance, $"chunk at {step.BlockTable[0]}, position {step.CachedTokens + i}");
                }
            }
        }
    }

    [Fact]
    public void Bfloat16_compute_stays_close_to_float32()
    {
        var reference = ReferenceCases.Logits("llama-gqa");
        using var model = Load("llama-gqa", ScalarType.BFloat16);
        using var cache = Cache(model);

        var logits = Prefill(model, cache, reference.Tokens, [0, 1]);

        AssertMatches(reference.Rows[^1], logits[^1], 0.05, "bfloat16");
    }

    [Fact]
    public void An_unsupported_architecture_is_named_at_load_time()
    {
        var directory = CopyWithConfigEdit("llama-gqa", "\"LlamaForCausalLM\"", "\"GPTNeoXForCausalLM\"");

        var error = Assert.Throws<NotSupportedException>(() => CausalLanguageModel.Load(ModelDirectory.Open(directory), ScalarType.Float32, CPU));
        Assert.Contains("GPTNeoXForCausalLM", error.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named_at_load_time()
    {
        var directory = CopyWithConfigEdit("llama-gqa", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");

        var error = Assert.Throws<InvalidDataException>(() => CausalLanguageModel.Load(ModelDirectory.Open(directory), ScalarType.Float32, CPU));
        Assert.Contains("model.layers.2.input_layernorm.weight", error.Message);
    }

    [Fact]
    public void Float16_compute_is_refused_on_cpu()
    {
        Assert.Throws<NotSupportedException>(() => CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), ScalarType.Float16, CPU));
    }

    private static CausalLanguageModel Load(string name, ScalarType dtype, bool cpuDecodeKernels = true) =>
        CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory(name)), dtype, TestDevice.Compute, cpuDecodeKernels);

    private static PagedKvCache Cache(CausalLanguageModel model) =>
        new(model.Spec.Layers, blocks: 8, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);

    private static List<float[]> Prefill(CausalLanguageModel model, PagedKvCache cache, int[] tokens, int[] blocks) =>
        Step(model, cache, new SequenceStep(blocks, 0, tokens), allRows: true);

    private static List<float[]> Step(CausalLanguageModel model, PagedKvCache cache, SequenceStep step, bool allRows)
    {
        var (ids, positions, batch, last) = StepInputs.Build(BlockSize, model.Device, step);
        using (batch)
        using (var rows = allRows ? StepInputs.Rows(0, step.NewTokens.Length, model.Device) : last)
        using (var logits = model.Forward(ids, positions, batch, cache, rows))
        {
            return Rows(logits);
        }
    }

    private static List<float[]> Rows(Tensor logits)
    {
        using var host = logits.cpu();
        return Enumerable.Range(0, (int)host.shape[0]).Select(i => host[i].data<float>().ToArray()).ToList();
    }

    private static void AssertMatches(ReferenceRow expected, float[] actual, double tolerance, string what)
    {
        for (var i = 0; i < expected.First.Length; i++)
        {
            Assert.True(Math.Abs(expected.First[i] - actual[i]) <= tolerance, $"{what}: logit {i} is {actual[i]}, reference {expected.First[i]}");
        }

        foreach (var (id, logit) in expected.Top)
        {
            Assert.True(Math.Abs(logit - actual[id]) <= tolerance, $"{what}: top logit of {id} is {actual[id]}, reference {logit}");
        }

        Assert.Equal(expected.Top[0].Id, Array.IndexOf(actual, actual.Max()));
        var sumOfSquares = actual.Sum(v => (double)v * v);
        Assert.True(Math.Abs(sumOfSquares - expected.SumOfSquares) <= tolerance * 100 * Math.Max(1, expected.SumOfSquares), $"{what}: sum of squares {sumOfSquares}, reference {expected.SumOfSquares}");
    }

    private static string CopyWithConfigEdit(string name, string find, string replace)
    {
        var source = ReferenceCases.ModelDirectory(name);
        var target = Directory.CreateTempSubdirectory("llmplatform-engine-edited-").FullName;
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        var config = Path.Combine(target, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace(find, replace, StringComparison.Ordinal));
        return target;
    }
}
