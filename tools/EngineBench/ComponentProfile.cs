using LlmPlatform.Engine.Model;
using LlmPlatform.Engine.Sampling;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.EngineBench;

/// <summary>
/// Where a decode step's time goes. The whole forward pass is the engine's own (CausalLanguageModel.Forward on a
/// decode batch laid out as ModelRunner does), and so are RMSNorm, the rotary embedding, the KV cache's writes and
/// reads, and the sampler. The layer's projections, attention and MLP are private to DecoderLayer, so they are
/// replayed here with the same TorchSharp calls on random weights of the model's shapes (one set per layer, so they
/// stream from memory as the model's do). Alternatives the engine does not use yet are timed beside them: fused
/// q/k/v and gate/up projections, SDPA on 4-D inputs, and one batched SDPA over all sequences.
/// </summary>
internal static class ComponentProfile
{
    private const string Forward = "forward (CausalLanguageModel.Forward)";
    private const string Projections = "  q, k, v, o, gate, up, down projections";
    private const string LmHead = "  LM head (+ cast to float32)";

    public static void Run(string dtype, IReadOnlyList<int> batches, int context, int iterations, int seed)
    {
        using var bench = BenchModel.Load(dtype);
        Console.WriteLine($"Loaded {dtype} in {bench.LoadSeconds:F1} s.");
        manual_seed(seed);
        using var weights = new LayerWeights(bench.Spec, bench.DType);
        var rows = new List<(string Name, string Calls, double[] Ms)>();
        for (var i = 0; i < batches.Count; i++)
        {
            using var scope = NewDisposeScope();
            using var inputs = new DecodeStepInputs(bench, batches[i], context, seed);
            foreach (var (name, calls, ms) in Measure(bench, weights, inputs, iterations))
            {
                var index = rows.FindIndex(r => r.Name == name);
                if (index < 0)
                {
                    rows.Add((name, calls, new double[batches.Count]));
                    index = rows.Count - 1;
                }

                rows[index].Ms[i] = ms;
            }
        }

        Console.WriteLine($"Decode step components, {dtype}, context {context} (median of {iterations} iterations):");
        Print(rows, batches);
        if (batches.ToList().IndexOf(1) is var single and >= 0)
        {
            GemvComparison.Print(bench.Spec, bench.DType, weights, rows.Single(r => r.Name == Projections).Ms[single], rows.Single(r => r.Name == LmHead).Ms[single], iterations, seed);
        }

        Console.WriteLine($"Per-call overhead: {DispatchOverhead.Measure(bench.DType, bench.Spec.HiddenSize)}.");
    }

    /// <summary>
    /// The forward pass, then its parts (indented: their sum is compared with it), then the sampler and the
    /// alternatives. Each timing covers every call of one step: all layers, and all sequences where a call is per sequence.
    /// </summary>
    private static IEnumerable<(string Name, string Calls, double Ms)> Measure(BenchModel bench, LayerWeights weights, DecodeStepInputs s, int iterations)
    {
        var spec = bench.Spec;
        var layers = spec.Layers;
        var group = spec.Heads / spec.KeyValueHeads;
        using var rope = new RotaryEmbedding(spec.Rope, spec.HeadDim, spec.MaxPositions, bench.DType, CPU);
        using var normWeight = ones([spec.HiddenSize], bench.DType);
        double Time(Action body) => Timing.MedianMs(body, iterations);
        void PerLayer(Action<int> body)
        {
            for (var l = 0; l < layers; l++)
            {
                body(l);
            }
        }

        // Attention one sequence at a time, as the engine's first version did for every decode: its context gathered by block table, query heads
        // grouped under their KV head, SDPA; fourDimensional is the variant that hands SDPA [1, kv_heads, group, d].
        void PerSequenceAttention(int layer, bool fourDimensional)
        {
            var outputs = new List<Tensor>(s.Batch);
            for (var b = 0; b < s.Batch; b++)
            {
                var (key, value) = s.Cache.Read(layer, s.Tables[b], s.Context);
                var query = s.Query.narrow(0, b, 1).view(1, spec.KeyValueHeads, group, spec.HeadDim);
                var output = fourDimensional
                    ? scaled_dot_product_attention(query, key.unsqueeze(0), value.unsqueeze(0))
                    : scaled_dot_product_attention(query.permute(1, 2, 0, 3).reshape(spec.KeyValueHeads, group, spec.HeadDim), key, value)
                        .view(spec.KeyValueHeads, group, 1, spec.HeadDim).permute(2, 0, 1, 3);
                outputs.Add(output.reshape(1, spec.Heads * spec.HeadDim));
            }

            if (outputs.Count > 1)
            {
                cat(outputs, 0);
            }
        }

        yield return (Forward, "1", Time(() => bench.Model.Forward(s.Ids, s.Positions, s.Attention, s.Cache, s.LogitRows)));
        yield return (Projections, $"7 x {layers}", Time(() => PerLayer(l =>
        {
            foreach (var (weight, input) in weights.Separate(l))
            {
                linear(input == ProjectionInput.Intermediate ? s.Gate : s.Hidden, weight);
            }
        })));
        yield return (LmHead, "1", Time(() => linear(s.Hidden, weights.LmHead).to(ScalarType.Float32)));
        yield return ("  RMSNorm", $"2 x {layers} + 1", Time(() =>
        {
            for (var i = 0; i < 2 * layers + 1; i++)
            {
                RmsNorm.Apply(s.Hidden, normWeight, spec.RmsNormEps);
            }
        }));
        yield return ("  rotary embedding (q and k; cos and sin looked up once per step)", $"2 x {layers}", Time(() =>
        {
            var angles = rope.At(s.Positions);
            PerLayer(_ =>
            {
                RotaryEmbedding.Apply(s.Query, angles);
                RotaryEmbedding.Apply(s.Key, angles);
            });
        }));
        yield return ("  KV cache write", $"{layers}", Time(() => PerLayer(l => s.Cache.Write(l, s.Key, s.Value, s.Slots))));
        yield return ("  attention, one SDPA per sequence (gather, group, SDPA, cat)", $"{layers} x {s.Batch}", Time(() => PerLayer(l => PerSequenceAttention(l, fourDimensional: false))));
        yield return ("    of which the K/V gather (index_select by block table)", $"{layers} x {s.Batch}", Time(() => PerLayer(l =>
        {
            foreach (var table in s.Tables)
            {
                s.Cache.Read(l, table, s.Context);
            }
        })));
        yield return ("  MLP silu x up, two residual adds", $"{layers}", Time(() => PerLayer(_ =>
        {
            using var mlp = silu(s.Gate) * s.Up;
            using var first = s.Hidden + s.Hidden;
            using var second = first + s.Hidden;
        })));
        yield return ("sampler (greedy)", "1", Time(() => Sampler.Sample(s.Logits, s.SamplingRows)));
        yield return ("alternative: fused qkv and gate_up projections", $"4 x {layers}", Time(() => PerLayer(l =>
        {
            linear(s.Hidden, weights.Qkv[l]);
            linear(s.Hidden, weights.O[l]);
            linear(s.Hidden, weights.GateUp[l]);
            linear(s.Gate, weights.Down[l]);
        })));
        yield return ("alternative: one SDPA per sequence on 4-D inputs [1, kv_heads, group, head_dim]", $"{layers} x {s.Batch}",
            Time(() => PerLayer(l => PerSequenceAttention(l, fourDimensional: true))));
        yield return ("alternative: one batched SDPA over padded block tables", $"{layers}", Time(() => PerLayer(l =>
        {
            var (key, value) = s.Cache.Read(l, s.AllBlocks, s.Batch * s.PaddedContext);
            Tensor PerSequence(Tensor t) => t.permute(1, 0, 2).view(s.Batch, s.PaddedContext, spec.KeyValueHeads, spec.HeadDim).permute(0, 2, 1, 3);
            var query = s.Query.view(s.Batch, spec.KeyValueHeads, group, spec.HeadDim);
            scaled_dot_product_attention(query, PerSequence(key), PerSequence(value), s.Padding).reshape(s.Batch, spec.Heads * spec.HeadDim);
        })));
    }

    private static void Print(List<(string Name, string Calls, double[] Ms)> rows, IReadOnlyList<int> batches)
    {
        var forward = rows.Single(r => r.Name == Forward).Ms;
        var table = new MarkdownTable(["component", "calls per step", .. batches.SelectMany(b => new[] { $"B={b} ms", $"B={b} % of forward" })]);
        object[] Cells(string name, string calls, IEnumerable<double> ms) =>
            [name, calls, .. ms.SelectMany((value, i) => new object[] { value, $"{100 * value / forward[i]:F0}%" })];
        foreach (var (name, calls, ms) in rows)
        {
            table.Row(Cells(name, calls, ms));
        }

        var parts = rows.Where(r => r.Name.StartsWith("  ", StringComparison.Ordinal) && !r.Name.StartsWith("    ", StringComparison.Ordinal)).ToList();
        table.Row(Cells("  rest of forward (forward minus its parts above: views, casts, embedding, scopes)", "",
            forward.Select((total, i) => total - parts.Sum(p => p.Ms[i]))));
        table.Print();
    }
}
