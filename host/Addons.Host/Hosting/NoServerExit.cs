using Addons.Abstractions.Options;
using Addons.Host.Proxy;
using Microsoft.Extensions.Hosting;

namespace Addons.Host.Hosting;

/// <summary>
/// mitmdump's keepserving: without the proxy (-n) there is nothing to serve, so the host stops once the work it was
/// started with is done (the file of -r read, the replays of -C ended), unless <c>keepserving</c> is set. Each piece of
/// that work is expected in the first <c>configure</c>, before any of it runs, so that one ending early does not stop
/// the host while another has yet to begin; the last to finish stops it.
/// </summary>
internal sealed class NoServerExit(ProxyAddon proxy, IOptionStore options, IHostApplicationLifetime lifetime)
{
    private int _pending;

    /// <summary>Counts a piece of work the host was started with; call in the first configure.</summary>
    public void Expect() => Interlocked.Increment(ref _pending);

    /// <summary>The piece of work is done; the last one stops a host without the proxy.</summary>
    public void Finished()
    {
        if (Interlocked.Decrement(ref _pending) == 0 && !proxy.Settings.Server && options.Find("keepserving") is not IOption<bool> { Value: true })
        {
            lifetime.StopApplication();
        }
    }
}
