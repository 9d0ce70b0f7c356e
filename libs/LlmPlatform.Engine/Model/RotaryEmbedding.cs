using static TorchSharp.torch;

namespace LlmPlatform.Engine.Model;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate half" layout: cos and sin tables for every position are
/// computed once (in float64, then cast); a step looks up its positions' rows once (<see cref="At"/>) and every layer
/// applies them to its q and k.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor cos;
    private readonly Tensor sin;

    public RotaryEmbedding(RopeSpec spec, int headDim, int maxPositions, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var inverse = tensor(InverseFrequencies(spec, headDim), float64);
        var frequencies = outer(arange(maxPositions, float64), inverse);
        var angles = cat([frequencies, frequencies], -1);
        cos = angles.cos().to(dtype, device).MoveToOuterDisposeScope();
        sin = angles.sin().to(dtype, device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cos and sin rows of a step's positions, [tokens, 1, head_dim], in the caller's dispose scope. Looked up once
    /// per step rather than twice per layer (a 30-layer step made 240 of these libtorch calls).
    /// </summary>
    public RotaryAngles At(Tensor positions) => new(cos.index_select(0, positions).unsqueeze(1), sin.index_select(0, positions).unsqueeze(1));

    /// <summary>Rotates <paramref name="x"/> [tokens, heads, head_dim] by each token's angles (<see cref="At"/>).</summary>
    public static Tensor Apply(Tensor x, RotaryAngles angles)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return (x * angles.Cos + rotated * angles.Sin).MoveToOuterDisposeScope();
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

/// <summary>The rotary cos and sin rows of one step's tokens, [tokens, 1, head_dim] each.</summary>
public sealed record RotaryAngles(Tensor Cos, Tensor Sin);
