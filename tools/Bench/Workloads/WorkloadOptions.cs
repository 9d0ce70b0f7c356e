using System.Globalization;

namespace LlmPlatform.Bench.Workloads;

/// <summary>
/// Which workload and its shape. Lengths are in the model's tokens. <see cref="RangeRatio"/> spreads random
/// lengths uniformly over [len × (1 - r), len × (1 + r)], as vLLM's random dataset does.
/// </summary>
public sealed record WorkloadOptions
{
    public string Kind { get; init; } = "random";

    public int InputLength { get; init; } = 256;

    public int OutputLength { get; init; } = 128;

    public double RangeRatio { get; init; }

    public int NumPrefixes { get; init; } = 4;

    public int PrefixLength { get; init; } = 512;

    public int SuffixLength { get; init; } = 64;

    public int Tenants { get; init; } = 4;

    public int SessionsPerTenant { get; init; } = 2;

    public int Turns { get; init; } = 4;

    public int SystemLength { get; init; } = 1024;

    public int UserLength { get; init; } = 64;

    /// <summary>Adapter name -> share of requests; the rest go to the run's model.</summary>
    public IReadOnlyDictionary<string, double> LoraMix { get; init; } = new Dictionary<string, double>();

    /// <summary>The parameters that shape this workload, for the result file.</summary>
    public IReadOnlyDictionary<string, string> Describe()
    {
        string S(double value) => value.ToString(CultureInfo.InvariantCulture);
        var parameters = Kind switch
        {
            "random" => new Dictionary<string, string> { ["input_len"] = S(InputLength), ["output_len"] = S(OutputLength), ["range_ratio"] = S(RangeRatio) },
            "prefix" => new Dictionary<string, string>
            {
                ["num_prefixes"] = S(NumPrefixes), ["prefix_len"] = S(PrefixLength), ["suffix_len"] = S(SuffixLength), ["output_len"] = S(OutputLength),
            },
            "sessions" => new Dictionary<string, string>
            {
                ["tenants"] = S(Tenants), ["sessions_per_tenant"] = S(SessionsPerTenant), ["turns"] = S(Turns), ["system_len"] = S(SystemLength),
                ["user_len"] = S(UserLength), ["output_len"] = S(OutputLength),
            },
            _ => throw new ArgumentException($"Unknown workload '{Kind}': use random, prefix or sessions."),
        };
        if (LoraMix.Count > 0)
        {
            parameters["lora_mix"] = string.Join(",", LoraMix.Select(p => $"{p.Key}={S(p.Value)}"));
        }

        return parameters;
    }
}
