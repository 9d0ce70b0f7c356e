using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Models.Tests;

public sealed class ModelCacheTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Concurrent_preparations_leave_one_complete_model_and_no_partial_folder()
    {
        var shape = SmallShapes.Tiny();

        var paths = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => ModelCache.EnsureRandomModel(temp.Path, shape))));

        Assert.All(paths, path => Assert.Equal(Path.Combine(temp.Path, shape.Name), path));
        Assert.Equal([shape.Name], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
        Assert.Equal(shape.HiddenSize, ModelDirectory.Open(paths[0]).Config.HiddenSize);
    }

    [Fact]
    public void A_prepared_model_is_reused_without_being_written_again()
    {
        var shape = SmallShapes.Tiny();
        var path = ModelCache.EnsureRandomModel(temp.Path, shape);
        var weights = Path.Combine(path, ModelDirectory.SingleWeightsFile);
        var writtenAt = File.GetLastWriteTimeUtc(weights);
        var reports = new List<ModelWriteProgress>();

        var again = ModelCache.EnsureRandomModel(temp.Path, shape, new SynchronousProgress<ModelWriteProgress>(reports.Add));

        Assert.Equal(path, again);
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(weights));
        Assert.Empty(reports);
    }

    [Fact]
    public void Progress_is_reported_up_to_every_weight_byte()
    {
        var reports = new List<ModelWriteProgress>();

        ModelCache.EnsureRandomModel(temp.Path, SmallShapes.Tiny(), new SynchronousProgress<ModelWriteProgress>(reports.Add));

        var weights = reports.Where(r => r.Step == "weights").ToList();
        Assert.Equal(0, weights[0].WeightBytesWritten);
        Assert.Equal(weights[^1].WeightBytesTotal, weights[^1].WeightBytesWritten);
        Assert.True(weights.Zip(weights.Skip(1)).All(pair => pair.First.WeightBytesWritten <= pair.Second.WeightBytesWritten));
    }
}
