using Microsoft.Extensions.Hosting;

namespace Addons.Host.Hosting;

/// <summary>
/// Ties the addons to the generic host's lifecycle: <c>running</c> once every hosted service (the proxy among them) has
/// started, and <c>done</c> in reverse order once they have stopped (Ctrl+C, SIGTERM), within the shutdown timeout.
/// </summary>
internal sealed class AddonLifecycleService(AddonHost addons) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => addons.RunningAsync(cancellationToken);

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => addons.StopAsync(cancellationToken);
}
