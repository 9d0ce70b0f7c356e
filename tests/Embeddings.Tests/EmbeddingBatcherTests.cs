using LlmPlatform.Embeddings.Batching;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Embeddings.Tests;

/// <summary>The batcher's loop with a fake encoder: requests batched together, split, cancelled, failed, stopped.</summary>
public sealed class EmbeddingBatcherTests : IAsyncLifetime
{
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<EmbeddingBatcher> started = [];

    private EmbeddingBatcher Start(FakeEncoder model, int maxInputs = 64, int maxTokens = 1024, double windowMilliseconds = 2)
    {
        var options = Options.Create(new EmbeddingsOptions { MaxBatchInputs = maxInputs, MaxBatchTokens = maxTokens, BatchWindowMilliseconds = windowMilliseconds });
        var batcher = new EmbeddingBatcher(model, options, new EmbeddingsMetrics(services.GetRequiredService<IMeterFactory>(), model), NullLogger<EmbeddingBatcher>.Instance);
        batcher.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        started.Add(batcher);
        return batcher;
    }

    /// <summary>An input of <paramref name="length"/> ids whose first id tells it apart.</summary>
    private static int[] Ids(int length, int tag = 1) => [tag, .. Enumerable.Repeat(7, length - 1)];

    private static int[][] Lengths(IEnumerable<int[][]> batches) => [.. batches.Select(batch => batch.Select(input => input.Length).ToArray())];

    [Fact]
    public async Task Requests_that_arrive_while_a_batch_runs_run_together_in_the_next_one_grouped_by_length()
    {
        var model = new FakeEncoder();
        var batcher = Start(model);
        model.Hold();
        var first = batcher.EmbedAsync([Ids(3)], default, default);
        Assert.True(await model.BatchEnteredAsync());

        var second = batcher.EmbedAsync([Ids(5), Ids(4)], default, default);
        var third = batcher.EmbedAsync([Ids(4)], default, default);
        model.Release();
        await Task.WhenAll(first, second, third);

        Assert.Equal([[3], [4, 4, 5]], Lengths(model.Batches));
    }

    [Fact]
    public async Task Each_request_gets_its_own_vectors_in_the_order_of_its_inputs()
    {
        var model = new FakeEncoder();
        var batcher = Start(model, maxInputs: 3);
        int[][] a = [Ids(9, tag: 1), Ids(2, tag: 2), Ids(5, tag: 3), Ids(2, tag: 4)];
        int[][] b = [Ids(5, tag: 5), Ids(9, tag: 6)];

        var vectors = await Task.WhenAll(batcher.EmbedAsync(a, default, default), batcher.EmbedAsync(b, default, default));

        Assert.Equal(a.Select(model.VectorOf), vectors[0]);
        Assert.Equal(b.Select(model.VectorOf), vectors[1]);
    }

    [Fact]
    public async Task A_request_with_more_inputs_than_a_batch_holds_spans_several_batches()
    {
        var model = new FakeEncoder();
        // A window that outlasts a preempted request thread between its inputs (with 2 ms, a loaded machine can split
        // the first batch); full batches still go at once, only the last one waits it out.
        var batcher = Start(model, maxInputs: 2, windowMilliseconds: 500);
        int[][] inputs = [.. Enumerable.Range(1, 5).Select(tag => Ids(4, tag))];

        var vectors = await batcher.EmbedAsync(inputs, default, default);

        Assert.Equal(inputs.Select(model.VectorOf), vectors);
        Assert.Equal([2, 2, 1], model.Batches.Select(batch => batch.Length));
    }

    [Fact]
    public async Task A_full_batch_runs_without_waiting_for_the_window()
    {
        var model = new FakeEncoder();
        // Long window, so that scheduling delays on a loaded machine cannot be mistaken for waiting it out.
        var batcher = Start(model, maxInputs: 2, windowMilliseconds: 10_000);

        var vectors = batcher.EmbedAsync([Ids(3), Ids(3)], default, default);

        Assert.Same(vectors, await Task.WhenAny(vectors, Task.Delay(TimeSpan.FromMilliseconds(9_000))));
    }

    [Fact]
    public async Task An_idle_batcher_waits_the_window_for_more_requests()
    {
        var model = new FakeEncoder();
        // A window far longer than the gap between the two requests: on a loaded CI machine the 100 ms delay has been
        // seen to stretch past a 1 s window.
        var batcher = Start(model, windowMilliseconds: 5000);

        var first = batcher.EmbedAsync([Ids(3)], default, default);
        await Task.Delay(100);
        var second = batcher.EmbedAsync([Ids(3)], default, default);
        await Task.WhenAll(first, second);

        Assert.Equal([[3, 3]], Lengths(model.Batches));
    }

    [Fact]
    public async Task A_cancelled_request_is_answered_at_once_and_its_waiting_inputs_never_run()
    {
        var model = new FakeEncoder();
        var batcher = Start(model);
        model.Hold();
        var first = batcher.EmbedAsync([Ids(3, tag: 1)], default, default);
        Assert.True(await model.BatchEnteredAsync());
        using var disconnect = new CancellationTokenSource();

        var abandoned = batcher.EmbedAsync([Ids(3, tag: 2), Ids(4, tag: 2)], default, disconnect.Token);
        var other = batcher.EmbedAsync([Ids(3, tag: 3)], default, default);
        await disconnect.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        model.Release();
        await Task.WhenAll(first, other);

        Assert.DoesNotContain(model.Batches.SelectMany(batch => batch), input => input[0] == 2);
    }

    [Fact]
    public async Task A_failed_batch_fails_its_requests_and_the_next_batch_runs()
    {
        var model = new FakeEncoder { Failure = new InvalidOperationException("out of memory") };
        var batcher = Start(model);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.EmbedAsync([Ids(3)], default, default));
        model.Failure = null;
        var vectors = await batcher.EmbedAsync([Ids(3)], default, default);

        Assert.Equal("out of memory", error.Message);
        Assert.Equal(model.VectorOf(Ids(3)), Assert.Single(vectors));
        Assert.Null(batcher.Failure);
    }

    [Fact]
    public async Task Stopping_finishes_the_running_batch_and_fails_the_waiting_requests()
    {
        var model = new FakeEncoder();
        var batcher = Start(model);
        model.Hold();
        var running = batcher.EmbedAsync([Ids(3)], default, default);
        Assert.True(await model.BatchEnteredAsync());
        var waiting = batcher.EmbedAsync([Ids(3)], default, default);

        var stopping = batcher.StopAsync(CancellationToken.None);
        model.Release();
        await stopping;

        Assert.Single(await running);
        await Assert.ThrowsAsync<BatcherStoppedException>(() => waiting);
        await Assert.ThrowsAsync<BatcherStoppedException>(() => batcher.EmbedAsync([Ids(3)], default, default));
    }

    [Fact]
    public void A_token_cap_below_the_model_s_longest_input_is_refused_at_startup_naming_its_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Start(new FakeEncoder { MaxLength = 512 }, maxTokens: 256));

        Assert.Contains("Embeddings:MaxBatchTokens", error.Message);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var batcher in started)
        {
            await batcher.StopAsync(CancellationToken.None);
            batcher.Dispose();
        }

        await services.DisposeAsync();
    }
}
