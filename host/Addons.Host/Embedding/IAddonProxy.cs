using System.Net;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Options;

namespace Addons.Host;

/// <summary>
/// The running proxy, as the application that embeds it sees it: where it listens, which addons run, and the same
/// commands and options <c>addons-host --command</c> and <c>--set</c> reach. Resolve it from the services.
/// </summary>
public interface IAddonProxy
{
    /// <summary>Where the proxy listens once the host has started (with the real port when <c>listen_port</c> is 0); null before, or with <c>server</c> off.</summary>
    IPEndPoint? EndPoint { get; }

    /// <summary>The addons' names in chain order, the host's own among them; empty before the host starts.</summary>
    IReadOnlyList<string> Addons { get; }

    /// <summary>The plugins that failed to load without stopping the host, each as a sentence.</summary>
    IReadOnlyList<string> Failures { get; }

    /// <summary>Every addon's commands.</summary>
    ICommandRegistry Commands { get; }

    /// <summary>Every addon's options; setting them runs the addons' <c>configure</c>.</summary>
    IOptionStore Options { get; }
}
