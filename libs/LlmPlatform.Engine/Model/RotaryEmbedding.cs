using static TorchSharp.torch;

namespace LlmPlatform.Engine.Model;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate half" layout: cos and sin tables for every position are
/// computed once (in float64, then cast), and applied to q and k by position index.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor cos;
    private readonly Tensor sin;
    private readonly int half;

    public RotaryEmbedding(RopeSpec spec, int headDim, int maxPositions, ScalarType dtype, Device device)
    {
        half = headDim / 2;
        using var scope = NewDisposeScope();
        var inverse = tensor(InverseFrequencies(spec, headDim), float64);
        var frequencies = outer(arange(maxPositions, float64), inverse);
        var angles = cat([frequencies, frequencies], -1);
        cos = angles.cos().to(dtype, device).MoveToOuterDisposeScope();
        sin = angles.sin().to(dtype, device).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates <paramref name="x"/> [tokens, heads, head_dim] by each token's position.</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var c = cos.index_select(0, positions).unsqueeze(1);
        var s = sin.index_select(0, positions).unsqueeze(1);
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return (x * c + rotated * s).MoveToOuterDisposeScope();
    }

    /// <summary>theta^(-2i/d), rescaled as rope_scaling says (linear: all by factor; llama3: by wavelength band).</summary>
    public static double[] InverseFrequencies(RopeSpec spec, int headDim)
    {
        var inverse = Enumerable.Range(0, headDim / 2).Select(i => 1.0 / Math.Pow(spec.Theta, 2.0 * i / headDim)).ToArray();
        return spec.Type switch
        {
            "linear" => inverse.Select(f => f / spec.Factor).ToArray(),
            "llama3" => inverse.Select(f => Llama3(spec, f)).ToArray(),
            _ => inverse,
        };
    }

    /// <summary>Llama 3.1's scaling: long wavelengths slowed by the factor, short ones kept, the band between blended.</summary>
    private static double Llama3(RopeSpec spec, double frequency)
    {
        var wavelength = 2 * Math.PI / frequency;
        var lowFrequencyWavelength = spec.OriginalMaxPositions / spec.LowFreqFactor;
        var highFrequencyWavelength = spec.OriginalMaxPositions / spec.HighFreqFactor;
        if (wavelength < highFrequencyWavelength)
        {
            return frequency;
        }

        if (wavelength > lowFrequencyWavelength)
        {
            return frequency / spec.Factor;
        }

        var smooth = (spec.OriginalMaxPositions / wavelength - spec.LowFreqFactor) / (spec.HighFreqFactor - spec.LowFreqFactor);
        return (1 - smooth) * frequency / spec.Factor + smooth * frequency;
    }

    public void Dispose()
    {
        cos.Dispose();
        sin.Dispose();
    }
}
