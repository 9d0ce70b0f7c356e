namespace LlmPlatform.Models.Demo;

/// <summary>How far the writing of a model directory has come: a step name and the weight bytes written so far.</summary>
public sealed record ModelWriteProgress(string Step, long WeightBytesWritten, long WeightBytesTotal)
{
    public double Fraction => WeightBytesTotal == 0 ? 0 : (double)WeightBytesWritten / WeightBytesTotal;
}
