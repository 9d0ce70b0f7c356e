using System.Collections.Concurrent;
using System.Diagnostics;
using LlmPlatform.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Embeddings.Batching;

/// <summary>
/// Dynamic batching: requests queue their inputs from any thread, and one dedicated thread owns the model and runs
/// them in batches. An idle loop waits a short window after the first arrival for others to join; while a batch runs,
/// arrivals queue anyway and the next batch starts at once. Batches are drawn by <see cref="PendingInputs"/>: the
/// oldest input with those nearest it in length, within the input and token caps, so one request's inputs may run in
/// several batches and several requests share one. A request whose client goes away has its waiting inputs dropped.
/// </summary>
public sealed class EmbeddingBatcher : BackgroundService
{
    private static readonly ActivitySource Source = new(PlatformTelemetry.Embeddings);

    private readonly IEmbeddingModel model;
    private readonly EmbeddingsMetrics metrics;
    private readonly ILogger<EmbeddingBatcher> logger;
    private readonly BlockingCollection<PendingInput> incoming = new();
    private readonly PendingInputs pending;
    private readonly TimeSpan window;

    public EmbeddingBatcher(IEmbeddingModel model, IOptions<EmbeddingsOptions> options, EmbeddingsMetrics metrics, ILogger<EmbeddingBatcher> logger)
    {
        var settings = options.Value;
        if (settings.MaxBatchTokens < model.MaxLength)
        {
            throw new InvalidOperationException(
                $"{EmbeddingsOptions.Section}:{nameof(EmbeddingsOptions.MaxBatchTokens)} (--max-num-batched-tokens) is {settings.MaxBatchTokens}, fewer than the {model.MaxLength} tokens of the model's longest input; raise it.");
        }

        this.model = model;
        this.metrics = metrics;
        this.logger = logger;
        pending = new PendingInputs(settings.MaxBatchInputs, settings.MaxBatchTokens);
        window = TimeSpan.FromMilliseconds(settings.BatchWindowMilliseconds);
        // pending is the loop's; its count is one machine word, safe to read from the exporter's thread.
        metrics.ObserveQueue(() => incoming.Count + pending.Count);
    }

    /// <summary>Why the loop stopped, if it failed: the service then reports unhealthy.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// The vectors of <paramref name="inputs"/> (valid ids, each at most the model's length), in order. Cancelled when
    /// <paramref name="cancellation"/> is; inputs not yet run are then never run.
    /// </summary>
    public async Task<float[][]> EmbedAsync(IReadOnlyList<int[]> inputs, ActivityContext span, CancellationToken cancellation)
    {
        if (inputs.Count == 0)
        {
            return [];
        }

        var job = new EmbeddingJob(inputs.Count, span);
        using var registration = cancellation.Register(() => job.Cancel(cancellation));
        var now = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                incoming.Add(new PendingInput(job, i, inputs[i], now), CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
            // Adding completed (or the queue disposed): the loop has ended.
            job.Fail(Failure ?? new BatcherStoppedException("The embeddings service is stopping."));
        }

        return await job.Vectors;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Loop(stoppingToken);
            stopped.SetResult();
        })
        {
            IsBackground = true,
            Name = "embeddings-batcher",
        };
        thread.Start();
        return stopped.Task;
    }

    private void Loop(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                if (pending.Count == 0)
                {
                    pending.Add(incoming.Take(stopping));
                    WaitForMore(stopping);
                }

                while (incoming.TryTake(out var next))
                {
                    pending.Add(next);
                }

                var batch = pending.TakeBatch();
                if (batch.Count > 0)
                {
                    Run(batch);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Failure = e;
            Log.LoopFailed(logger, e);
        }
        finally
        {
            incoming.CompleteAdding();
            var error = Failure ?? new BatcherStoppedException("The embeddings service is stopping.");
            foreach (var input in pending.TakeAll().Concat(incoming))
            {
                input.Job.Fail(error);
            }
        }
    }

    /// <summary>The window: more arrivals until a batch is full or the window, counted from the first, has passed.</summary>
    private void WaitForMore(CancellationToken stopping)
    {
        var opened = Stopwatch.GetTimestamp();
        while (!pending.CanFillBatch)
        {
            var left = window - Stopwatch.GetElapsedTime(opened);
            if (left <= TimeSpan.Zero || !incoming.TryTake(out var next, (int)Math.Ceiling(left.TotalMilliseconds), stopping))
            {
                return;
            }

            pending.Add(next);
        }
    }

    private void Run(List<PendingInput> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var tokens = batch.Sum(input => input.Length);
        var padded = batch.Count * batch.Max(input => input.Length);
        var links = batch.Select(input => input.Job.Span).Where(context => context != default).Distinct().Select(context => new ActivityLink(context));
        // A root span of its own, linked to every request it serves: a batch belongs to no single request's trace.
        using var span = Source.StartActivity(ActivityKind.Internal, parentContext: default, links: links, name: $"embeddings batch {model.Name}");
        span?.SetTag("llm.batch.inputs", batch.Count);
        span?.SetTag("llm.batch.tokens", tokens);
        span?.SetTag("llm.batch.padded_tokens", padded);
        foreach (var input in batch)
        {
            metrics.Waited(Stopwatch.GetElapsedTime(input.QueuedAt, started));
        }

        float[][] vectors;
        try
        {
            vectors = model.Embed([.. batch.Select(input => input.Ids)]);
        }
        catch (Exception e)
        {
            // One batch failing is its requests' failure, not the service's: the loop goes on with the next.
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.BatchFailed(logger, batch.Count, e);
            foreach (var input in batch)
            {
                input.Job.Fail(e);
            }

            return;
        }

        metrics.Batch(batch.Count, tokens, padded, Stopwatch.GetElapsedTime(started));
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Job.Complete(batch[i].Index, vectors[i]);
        }
    }

    public override void Dispose()
    {
        incoming.Dispose();
        base.Dispose();
    }
}
