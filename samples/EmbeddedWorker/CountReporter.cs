using Addons.Host;

namespace EmbeddedWorker;

/// <summary>The worker's own work beside the proxy: says where the proxy listens, then how many responses it stamped.</summary>
public sealed partial class CountReporter(IAddonProxy proxy, ResponseCounter counter, IHostApplicationLifetime lifetime, ILogger<CountReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The proxy listens once the host has started.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        LogStarted(logger, proxy.EndPoint?.ToString() ?? "(not listening)", string.Join(", ", proxy.Addons));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
        long reported = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (counter.Count != reported)
            {
                reported = counter.Count;
                LogCount(logger, reported);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded proxy at {EndPoint} with addons {Addons}")]
    private static partial void LogStarted(ILogger logger, string endPoint, string addons);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} response(s) stamped so far")]
    private static partial void LogCount(ILogger logger, long count);
}
