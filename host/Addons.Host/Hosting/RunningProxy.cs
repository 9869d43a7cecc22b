using System.Net;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Addons.Host.Proxy;

namespace Addons.Host.Hosting;

/// <summary>The embedding application's view of the proxy (<see cref="IAddonProxy"/>).</summary>
internal sealed class RunningProxy(ProxyServer server, AddonChain chain, AddonHost host, ICommandRegistry commands, IOptionStore options) : IAddonProxy
{
    public IPEndPoint? EndPoint => server.EndPoint;

    public IReadOnlyList<string> Addons => [.. chain.Addons.Select(a => a.Name)];

    public IReadOnlyList<string> Failures => [.. host.Failures];

    public ICommandRegistry Commands => commands;

    public IOptionStore Options => options;
}
