using System.Collections.Concurrent;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.View;
using FleetSync.Messages;

[assembly: AddonEntryPoint(typeof(FleetSync.FleetSyncAddon))]

namespace FleetSync;

/// <summary>
/// What the hosts of a fleet keep in common, through the bus: a blocklist (<c>blocklist.add HOST</c> on any host blocks
/// it on every host) and the marks of flows (a flow marked on one host shows marked on the others that have it). Every
/// change is a message on this host's bus; the Bridge plugin, given these types in <c>bridge_types</c>, carries them to
/// the other hosts, where they arrive on the bus as if published there.
/// </summary>
public sealed class FleetSyncAddon : Addon
{
    private readonly ConcurrentDictionary<string, byte> _blocked = new(StringComparer.OrdinalIgnoreCase);

    // The last marker known for each flow whose mark changed, here or elsewhere: a mark that arrives from another host
    // changes the View, whose update then matches what is known, so it is not sent back out.
    private readonly ConcurrentDictionary<Guid, string> _marks = new();
    private IAddonLoader _loader = null!;

    public override string Name => "fleetsync";

    public override void Load(IAddonLoader loader)
    {
        _loader = loader;
        loader.Bus.Subscribe<BlocklistChanged>(changed =>
        {
            if (changed.Blocked)
            {
                _blocked[changed.Host] = 0;
            }
            else
            {
                _blocked.TryRemove(changed.Host, out _);
            }
        });
        loader.Bus.Subscribe<ViewFlowUpdated>(updated => Marked(updated.Flow));
        loader.Bus.Subscribe<FlowMarkChanged>(ApplyMarkAsync);
        loader.AddCommand("blocklist.add", (string host) => Change(host, blocked: true), "Block requests to this host on every host of the fleet.");
        loader.AddCommand("blocklist.remove", (string host) => Change(host, blocked: false), "Unblock this host on every host of the fleet.");
        loader.AddCommand("blocklist.list", () => _blocked.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray(), "The blocked hosts.");
    }

    public override ValueTask RequestAsync(HttpFlowContext context)
    {
        var request = context.Flow.Request;
        if (_blocked.ContainsKey(request.Host))
        {
            context.Flow.Response = HttpResponse.Create(403, $"Blocked by the fleet's blocklist: {request.Host}.\n", ("Content-Type", "text/plain; charset=utf-8"));
        }

        return default;
    }

    private string Change(string host, bool blocked)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new CommandException("Name a host, such as ads.example.");
        }

        _loader.Bus.Publish(new BlocklistChanged(host.Trim(), blocked));
        return blocked ? $"{host} is blocked on every host." : $"{host} is unblocked on every host.";
    }

    private void Marked(Flow flow)
    {
        var known = _marks.TryGetValue(flow.Id, out var marker) ? marker : "";
        if (flow.Marked != known)
        {
            _marks[flow.Id] = flow.Marked;
            _loader.Bus.Publish(new FlowMarkChanged(flow.Id, flow.Marked));
        }
    }

    private async ValueTask ApplyMarkAsync(FlowMarkChanged changed, CancellationToken cancellationToken)
    {
        if (_marks.TryGetValue(changed.FlowId, out var known) && known == changed.Marker)
        {
            return;
        }

        _marks[changed.FlowId] = changed.Marker;
        if (_loader.Commands.Find("flow.mark") is not null)
        {
            // A flow this host's View does not have is left alone: "@id" then names no flow.
            await _loader.Commands.ExecuteAsync("flow.mark", ["@" + changed.FlowId, changed.Marker.Length == 0 ? "false" : changed.Marker], cancellationToken);
        }
    }
}
