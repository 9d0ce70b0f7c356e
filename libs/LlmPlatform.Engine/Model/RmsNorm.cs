using static TorchSharp.torch;

namespace LlmPlatform.Engine.Model;

/// <summary>RMSNorm as Hugging Face's Llama computes it: statistics in float32, then back to the input dtype, then the weight.</summary>
public static class RmsNorm
{
    public static Tensor Apply(Tensor x, Tensor weight, double epsilon)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var normalized = x32 * (x32.pow(2).mean([-1], keepdim: true) + epsilon).rsqrt();
        return (weight * normalized.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
