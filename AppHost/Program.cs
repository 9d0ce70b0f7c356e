using LlmPlatform.AppHost;
using LlmPlatform.AppHost.Redis;

var settings = PlatformSettings.Read(args);
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DisableDashboard = !settings.Dashboard });

var redisMode = RedisModeSelector.Choose(
    settings.RedisMode,
    () => HostProbes.ContainerRuntimeIsHealthy(settings.ContainerRuntime, TimeSpan.FromSeconds(5)),
    () => HostProbes.FindOnPath("redis-server", Environment.GetEnvironmentVariable("PATH")));
var redis = builder.AddPlatformRedis("redis", redisMode);
var modelPath = DemoModelPreparation.ModelPathFor(settings);

var tokenizer = builder.AddGrpcPlatformService<Projects.Tokenizer>("tokenizer")
    .WithEnvironment("Tokenizer__Models__0__Path", modelPath);

var multimodal = builder.AddPlatformService<Projects.Multimodal>("multimodal");

// Serves all-MiniLM-L6-v2, prepared in the model cache on its first start; it listens once the model is loaded.
var embeddings = builder.AddPlatformService<Projects.Embeddings>("embeddings")
    .WithEnvironment("Embeddings__ModelCacheDirectory", DemoModelPreparation.CacheRootFor(settings));

// The only endpoint meant for clients, on vLLM's port.
var router = builder.AddProject<Projects.Router>("router", options => options.ExcludeLaunchProfile = true)
    .WithHttpEndpoint(port: 8000)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WithEnvironment("Fleet__Name", settings.FleetName)
    .WithReference(redis).WaitFor(redis)
    .WithReference(tokenizer)
    .WithReference(embeddings);

// On a GPU host every worker computes on the same device (--device auto): each may hold an equal part of vLLM's 0.9,
// and on any host each computes with its part of the cores.
var gpuShare = (0.9 / settings.Workers).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
var cpuThreads = settings.CpuThreadsPerWorker(Environment.ProcessorCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
for (var i = 0; i < settings.Workers; i++)
{
    var name = $"worker-{i}";
    var worker = builder.AddPlatformService<Projects.GpuWorker>(name)
        .WithEnvironment("Engine__Model", modelPath)
        .WithEnvironment("Engine__GpuMemoryUtilization", gpuShare)
        .WithEnvironment("Engine__CpuThreads", cpuThreads)
        .WithEnvironment("Fleet__Name", settings.FleetName)
        .WithEnvironment("Fleet__WorkerId", name)
        .WithReference(redis).WaitFor(redis)
        .WithReference(tokenizer)
        .WithReference(multimodal);
    router.WithWorker(worker);
}

builder.Build().Run();
