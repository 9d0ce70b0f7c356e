using System.Diagnostics;
using System.Globalization;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Router.Fleet;
using LlmPlatform.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace LlmPlatform.Router.Routing;

/// <summary>
/// Sends each request to a worker of the fleet view, chosen by the routing policy (kv-aware by default: the prompt's
/// blocks matched against the prefix index, weighed against load), and forwards it with YARP's forwarder, streams
/// untouched. A worker that fails before its response starts is marked and the request goes to the least-loaded
/// other worker; once a response has started nothing is retried, so a stream is never sent twice.
/// </summary>
public sealed class FleetRouter(IHttpForwarder forwarder, FleetView fleet, PromptTokens prompts, InFlight inFlight, RouterMetrics metrics, IOptions<RouterOptions> options,
    ILogger<FleetRouter> logger)
{
    private static readonly HashSet<ForwarderError> BeforeResponse =
        [ForwarderError.Request, ForwarderError.RequestTimedOut, ForwarderError.RequestBodyDestination, ForwarderError.ResponseHeaders];

    private readonly WorkerChooser chooser = new(options.Value.KvAware);
    private readonly HttpMessageInvoker client = new(ForwarderHandler.Create());

    public async Task ForwardAsync(HttpContext context)
    {
        if (!RoutingPolicies.TryParse(context.Request.Headers[RouterOptions.PolicyHeader].FirstOrDefault() ?? options.Value.Policy, out var policy))
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status400BadRequest, $"Unknown routing policy in {RouterOptions.PolicyHeader}: use kv-aware, least-load, round-robin or random.",
                "invalid_request_error");
            return;
        }

        var workers = fleet.Workers;
        if (workers.Count == 0)
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "No worker is available to serve the request; try again shortly.");
            return;
        }

        // Buffered so that the body can be read for routing and sent again to another worker.
        context.Request.EnableBuffering();
        var clock = Stopwatch.StartNew();
        var path = context.Request.Path;
        var generation = HttpMethods.IsPost(context.Request.Method) && (path == "/v1/completions" || path == "/v1/chat/completions");
        // While Redis is unreachable the index cannot follow evictions or deaths: kv-aware routes by load on the last view.
        var scored = generation && policy == RoutingPolicy.KvAware && fleet.Current;
        var key = scored ? await prompts.ReadAsync(context.Request, path == "/v1/chat/completions", workers.Values.First().Model, context.RequestAborted) : null;
        var candidates = Candidates(workers.Values, key?.Model);
        var cached = key is null ? null : fleet.Index.CachedTokens(new PrefixHashSeed(key.Model, key.CacheSalt), key.TokenIds, candidates.Select(w => (w.Id, w.BlockSize)));
        var decision = chooser.Choose([.. candidates.Select(w => new WorkerCandidate(w.Id, inFlight.LoadOf(w)))], policy, key?.TokenIds.Count ?? 0, cached);
        if (policy == RoutingPolicy.KvAware && !fleet.Current)
        {
            decision = decision with { Reason = "fleet-stale" };
        }

        var routing = clock.Elapsed;
        metrics.Decided(decision, routing);

        var tried = new HashSet<string>();
        while (true)
        {
            var worker = candidates.First(w => w.Id == decision.WorkerId);
            tried.Add(worker.Id);
            // Which worker and why, for operators and for comparing predicted with reported cached tokens.
            context.Response.Headers[RouterOptions.RoutedToHeader] = worker.Id;
            context.Response.Headers[RouterOptions.DecisionHeader] = string.Create(CultureInfo.InvariantCulture,
                $"{decision.Policy.Name()}; {decision.Reason}; predicted_cached_tokens={decision.PredictedCachedTokens}; routing_ms={routing.TotalMilliseconds:F3}{(key is null ? "" : $"; prompt={key.Lookup}")}");
            context.Request.Body.Position = 0;
            ForwarderError error;
            using (inFlight.Start(worker.Id))
            {
                error = await forwarder.SendAsync(context, worker.Address.ToString(), client);
            }

            if (error == ForwarderError.None || context.Response.HasStarted || !BeforeResponse.Contains(error))
            {
                return;
            }

            Log.WorkerFailed(logger, worker.Id, error.ToString());
            inFlight.Failed(worker.Id);
            var others = candidates.Where(w => !tried.Contains(w.Id)).Select(w => new WorkerCandidate(w.Id, inFlight.LoadOf(w))).ToList();
            if (others.Count == 0)
            {
                await ProxyErrors.WriteAsync(context, StatusCodes.Status502BadGateway, $"The worker could not be reached ({error}).");
                return;
            }

            // Start the next attempt from a clean response: the failed one left only a status code and an error feature.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Features.Set<IForwarderErrorFeature>(null);
            metrics.Retried();
            decision = chooser.Choose(others, RoutingPolicy.LeastLoad, 0, null);
        }
    }

    /// <summary>
    /// The workers serving the requested model (all of them when none does: the worker then answers the 404), less
    /// those that failed a request moments ago, unless no other is left. A worker killed outright stays registered
    /// until its lease lapses, and for as long as Redis is unreachable; without this every request chosen for it in
    /// that time would pay a failed attempt.
    /// </summary>
    private List<WorkerEntry> Candidates(IEnumerable<WorkerEntry> workers, string? model)
    {
        var all = workers.OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
        var serving = all.Where(w => w.Model == model).ToList();
        var candidates = serving.Count > 0 ? serving : all;
        var healthy = candidates.Where(w => !inFlight.RecentlyFailed(w.Id)).ToList();
        return healthy.Count > 0 ? healthy : candidates;
    }
}
