using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Hosting;

/// <summary>
/// Ties the addons to the generic host's lifecycle: they load and take their options as the host starts, before any
/// hosted service (the proxy among them) starts; <c>running</c> once every hosted service has started; and <c>done</c>
/// in reverse order once they have stopped (Ctrl+C, SIGTERM), within the shutdown timeout.
/// </summary>
internal sealed partial class AddonLifecycleService(AddonHost addons, ILogger<AddonLifecycleService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (addons.Started)
        {
            return;
        }

        try
        {
            await addons.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AddonHostException ex)
        {
            // The application embedding the proxy gets one exception it can name, with every sentence in its message;
            // the log has each sentence on its own line, as addons-host prints them.
            foreach (var sentence in ex.Errors.Count > 0 ? ex.Errors : [ex.Message])
            {
                LogStartFailed(logger, sentence);
            }

            await addons.StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException(string.Join(" ", ex.Errors.Count > 0 ? ex.Errors : [ex.Message]), ex);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => addons.RunningAsync(cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => addons.StopAsync(cancellationToken);

    [LoggerMessage(EventId = 8, Level = LogLevel.Critical, Message = "{Error}")]
    private static partial void LogStartFailed(ILogger logger, string error);
}
