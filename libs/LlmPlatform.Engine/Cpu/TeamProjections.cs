using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// The projections (x · Wᵀ) of the steps libtorch computes on a CPU, split by weight rows over the decode team, each
/// worker calling libtorch's GEMM single-threaded on its rows. libtorch's own two-thread GEMM splits the rows of x
/// instead, so at a decode batch of 32 each thread repacks every whole weight and the second core adds little: the 30
/// layers' projections and the LM head of the SmolLM-135M shape took 35-40 ms on two threads and 43 on one, and
/// ~28 ms split this way; a 1,024-token prefill's projections ~335 ms against ~380. A 32-sequence decode step went from
/// ~75 to ~61 ms (docs/benchmarks.md, "Projections split over the team"). Weights of one input (q, k, v; gate, up) are
/// split as one, so each worker gets an even share. In bfloat16 the results equal libtorch's linear bit for bit; in
/// float32 libtorch picks another kernel for part of a weight, and they agree to float32 rounding.
/// </summary>
internal sealed class TeamProjections(WorkerTeam team)
{
    /// <summary>Shares are cut at multiples of this many weight rows, which GEMM kernels block by.</summary>
    public const int RowAlignment = 32;

    /// <summary>
    /// x [rows, in] times each weight [out_i, in] transposed, plus its bias where given: one [rows, out_i] tensor per
    /// weight, in x's dtype.
    /// </summary>
    public Tensor[] Apply(Tensor x, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?>? biases = null)
    {
        var rows = x.shape[0];
        var outputs = weights.Select(w => empty(rows, w.shape[0], x.dtype)).ToArray();
        var total = (int)weights.Sum(w => w.shape[0]);
        team.Run(worker =>
        {
            var (first, end) = team.AlignedShare(worker, total, RowAlignment);
            using var singleThreaded = OpenMpThreads.SingleThreaded();
            using var scope = NewDisposeScope();
            var offset = 0L;
            for (var i = 0; i < weights.Count; i++)
            {
                var length = weights[i].shape[0];
                var (from, to) = (Math.Max(first, offset), Math.Min(end, offset + length));
                if (from < to)
                {
                    var (start, count) = (from - offset, to - from);
                    var output = outputs[i].narrow(1, start, count);
                    var bias = biases?[i]?.narrow(0, start, count);
                    if (bias is not null)
                    {
                        output.copy_(bias.expand(rows, count));
                    }

                    // Without a bias, beta 0: the output's uninitialized memory is ignored, NaN included. With one, the
                    // bias is added inside the GEMM, rounded once, as libtorch's linear does.
                    output.addmm_(x, weights[i].narrow(0, start, count).t(), beta: bias is null ? 0 : 1, alpha: 1);
                }

                offset += length;
            }
        });
        return outputs;
    }
}
