using MathNet.Numerics.Distributions;

namespace LlmPlatform.Bench.Running;

/// <summary>
/// When requests arrive, as vLLM's benchmark draws them: gaps from a gamma distribution with shape = burstiness and
/// mean 1 / rate. Burstiness 1 is a Poisson process; below 1 requests bunch up, above 1 they even out. An infinite
/// rate sends everything at once (then only --max-concurrency holds requests back).
/// </summary>
public static class ArrivalSchedule
{
    /// <summary>Seconds from the start at which each of <paramref name="count"/> requests is sent.</summary>
    public static double[] Times(int count, double rate, double burstiness, int seed)
    {
        if (double.IsPositiveInfinity(rate))
        {
            return new double[count];
        }

        if (!(rate > 0) || !(burstiness > 0))
        {
            throw new ArgumentException("The request rate and burstiness must be > 0.");
        }

        var gaps = new Gamma(burstiness, rate * burstiness, new Random(seed));
        var times = new double[count];
        var at = 0.0;
        for (var i = 0; i < count; i++)
        {
            at += gaps.Sample();
            times[i] = at;
        }

        return times;
    }
}
