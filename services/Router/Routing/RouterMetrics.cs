using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmPlatform.Router.Fleet;
using LlmPlatform.Routing;
using LlmPlatform.ServiceDefaults;

namespace LlmPlatform.Router.Routing;

/// <summary>
/// What routing did, in the meter "LlmPlatform.Router": decisions by policy and reason, the cached tokens a decision
/// predicted (to set beside the workers' reported cached_tokens), how long a decision took, retries on another
/// worker, how prompts' ids were found, and the size of the fleet view.
/// </summary>
public sealed class RouterMetrics
{
    private readonly Counter<long> decisions;
    private readonly Histogram<long> predictedCached;
    private readonly Histogram<double> latency;
    private readonly Counter<long> retries;
    private readonly Counter<long> promptLookups;

    public RouterMetrics(IMeterFactory meters, FleetView fleet)
    {
        var meter = meters.Create(PlatformTelemetry.Router);
        decisions = meter.CreateCounter<long>("llm.router.decisions", "{request}", "Requests routed, by policy and reason.");
        predictedCached = meter.CreateHistogram<long>("llm.router.predicted_cached_tokens", "{token}", "Prompt tokens the chosen worker was expected to hold.");
        latency = meter.CreateHistogram<double>("llm.router.routing_duration", "s", "Time to tokenize, hash and score a request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25] });
        retries = meter.CreateCounter<long>("llm.router.retries", "{request}", "Requests sent to another worker after the first failed before answering.");
        promptLookups = meter.CreateCounter<long>("llm.router.prompt_cache.lookups", "{request}",
            "Text and chat prompts by how their ids were found: hit (all cached), prefix (leading messages cached), miss (tokenized on the request's path).");
        meter.CreateObservableGauge("llm.router.index.blocks", () => fleet.Index.Count, "{block}", "Distinct prefix blocks the index knows a holder of.");
        meter.CreateObservableGauge("llm.router.workers", () => fleet.Workers.Count, "{worker}", "Live workers in the fleet view.");
    }

    public void Decided(RoutingDecision decision, TimeSpan took)
    {
        var tags = new TagList { { "policy", decision.Policy.Name() }, { "reason", decision.Reason } };
        decisions.Add(1, tags);
        predictedCached.Record(decision.PredictedCachedTokens, tags);
        latency.Record(took.TotalSeconds, tags);
    }

    public void Retried() => retries.Add(1);

    public void PromptLookup(string result) => promptLookups.Add(1, new KeyValuePair<string, object?>("result", result));
}
