using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LlmPlatform.Engine;
using LlmPlatform.Engine.Output;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// One HTTP request's prompts in the engine: each prompt is an engine request of n choices, and their updates arrive
/// merged, tagged with the choice's index in the response (prompt × n + choice). Whoever stops reading (the client
/// went away, or the server is stopping) aborts every engine request still running, so its KV blocks are freed at once.
/// </summary>
internal sealed class EngineRun(LlmEngine engine, IReadOnlyList<IReadOnlyList<int>> prompts, SamplingParams sampling, PrefixHashSeed seed, int priority)
{
    private readonly string[] ids = prompts.Select(_ => Guid.NewGuid().ToString("N")).ToArray();

    public int Choices => prompts.Count * sampling.N;

    /// <summary>Every update of every choice, in the order the engine produced them.</summary>
    public async IAsyncEnumerable<(int Choice, int Prompt, RequestOutput Output)> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        var merged = Channel.CreateUnbounded<(int, int, RequestOutput)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = new Task[prompts.Count];
        for (var p = 0; p < prompts.Count; p++)
        {
            var reader = engine.Submit(new GenerationRequest(ids[p], prompts[p], sampling, seed, priority));
            var prompt = p;
            pumps[p] = Pump(reader, prompt, merged.Writer);
        }

        _ = Task.WhenAll(pumps).ContinueWith(all => merged.Writer.TryComplete(all.Exception?.InnerException), TaskScheduler.Default);
        var remaining = Choices;
        try
        {
            await foreach (var item in merged.Reader.ReadAllAsync(cancellation))
            {
                if (item.Item3.Finished)
                {
                    remaining--;
                }

                yield return item;
            }
        }
        finally
        {
            // Aborting a finished engine request does nothing, so every id can be named.
            if (remaining > 0)
            {
                foreach (var id in ids)
                {
                    engine.Abort(id);
                }
            }
        }
    }

    private async Task Pump(ChannelReader<RequestOutput> reader, int prompt, ChannelWriter<(int, int, RequestOutput)> merged)
    {
        await foreach (var output in reader.ReadAllAsync())
        {
            merged.TryWrite((prompt * sampling.N + output.Index, prompt, output));
        }
    }
}
