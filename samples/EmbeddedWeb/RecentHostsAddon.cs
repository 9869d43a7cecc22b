using Addons.Abstractions;
using Addons.Abstractions.Hooks;

namespace EmbeddedWeb;

/// <summary>The application's addon: tells the application's <see cref="RecentHosts"/> of every response.</summary>
public sealed class RecentHostsAddon(RecentHosts hosts) : Addon
{
    public override string Name => "recent_hosts";

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        hosts.Saw(context.Flow.Request.Host);
        return default;
    }
}
