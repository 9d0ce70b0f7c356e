using LlmPlatform.Engine.Cpu;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Sampling;

/// <summary>
/// Per row of float32 logits [rows, vocab]: the greedy token (the first index of the largest logit) and, for the rows
/// that ask, log Σ exp, which turns a chosen token's logit into its log-probability without a log-softmax of the whole
/// step. On the CPU a hand-written pass over each row: libtorch's argmax there reduces with indices element by element
/// (~1.6 ms for 32 rows of a 49,152-token vocabulary, five times its max), and with the log-softmax and the copy around
/// it the sampler took ~3 ms of a 32-sequence decode step while the decode team sat idle (docs/benchmarks.md). The
/// exponentials are most of what is left, so rows that want no log-probability skip them.
/// </summary>
internal static unsafe class LogitStatistics
{
    /// <summary>Greedy picks for every row; log Σ exp where <paramref name="withLogSumExp"/> says, NaN elsewhere.</summary>
    public static (long[] Greedy, float[] LogSumExp) Of(Tensor logits, IReadOnlyList<bool> withLogSumExp)
    {
        var count = (int)logits.shape[0];
        var logSumExp = new float[count];
        Array.Fill(logSumExp, float.NaN);
        if (logits.device_type != TorchSharp.DeviceType.CPU)
        {
            if (withLogSumExp.Any(wanted => wanted))
            {
                var all = logits.logsumexp(-1).cpu().data<float>().ToArray();
                for (var row = 0; row < count; row++)
                {
                    logSumExp[row] = withLogSumExp[row] ? all[row] : float.NaN;
                }
            }

            return (logits.argmax(-1).cpu().data<long>().ToArray(), logSumExp);
        }

        using var rows = logits.contiguous();
        var vocab = (int)rows.shape[1];
        var greedy = new long[count];
        var start = (float*)MatrixView.Address(rows);
        for (var row = 0; row < count; row++)
        {
            var x = start + (long)row * vocab;
            if (withLogSumExp[row])
            {
                (var index, logSumExp[row]) = Kernels.ArgMaxAndLogSumExp(x, vocab);
                greedy[row] = index;
            }
            else
            {
                greedy[row] = Kernels.ArgMax(x, vocab);
            }
        }

        return (greedy, logSumExp);
    }
}
