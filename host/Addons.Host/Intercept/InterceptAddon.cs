using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Intercept;

/// <summary>
/// mitmproxy's intercept addon and its core commands: with <c>intercept</c> set to a filter (which also turns
/// <c>intercept_active</c> on, as in mitmproxy), every flow it matches is held after its <c>request</c> and its
/// <c>response</c> (and after each TCP, UDP or WebSocket message, DNS request and response) until
/// <c>flow.resume</c> lets it go on or <c>flow.kill</c> ends it. Replayed flows are not held. Holding a flow
/// holds only that flow; the proxy serves every other client meanwhile.
/// </summary>
internal sealed partial class InterceptAddon(AddonChain chain, ILogger<InterceptAddon> logger) : Addon
{
    private IOption<string> _filterOption = null!;
    private IOption<bool> _activeOption = null!;
    private IFlowFilters _filters = null!;
    private IOptionStore _options = null!;
    private volatile IFlowFilter? _filter;
    private volatile bool _holding;

    public override string Name => "intercept";

    public override void Load(IAddonLoader loader)
    {
        _filters = loader.Filters;
        _options = loader.Options;
        _filterOption = loader.AddOption("intercept", "", "Hold the flows this filter matches after their request and their response, until flow.resume or flow.kill; empty holds none.");
        _activeOption = loader.AddOption("intercept_active", false, "Whether the intercept filter holds flows; setting intercept turns it on.");
        loader.AddCommand("flow.resume", (IReadOnlyList<Flow> flows, CancellationToken ct) => ResumeAsync(flows, ct), "Let held flows go on. Returns how many were held.");
        loader.AddCommand("flow.kill", (IReadOnlyList<Flow> flows, CancellationToken ct) => KillAsync(flows, ct), "Kill flows that are still live: their connection is closed and their error says so. Returns how many were killed.");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!context.Updated.Contains("intercept"))
        {
            if (context.Updated.Contains("intercept_active"))
            {
                _holding = _activeOption.Value;
            }

            return default;
        }

        if (string.IsNullOrWhiteSpace(_filterOption.Value))
        {
            _filter = null;
            _holding = false;
            TurnOn(false, context.IsInitial);
            return default;
        }

        if (!_filters.TryParse(_filterOption.Value, out var filter, out var error))
        {
            context.Reject($"intercept: {error.Message}");
            return default;
        }

        _filter = filter;
        _holding = true;
        TurnOn(true, context.IsInitial);
        return default;
    }

    public override ValueTask RequestAsync(HttpFlowContext context) => Hold(context.Flow);

    public override ValueTask ResponseAsync(HttpFlowContext context) => Hold(context.Flow);

    public override ValueTask WebSocketMessageAsync(HttpFlowContext context) => Hold(context.Flow);

    public override ValueTask TcpMessageAsync(TcpFlowContext context) => Hold(context.Flow);

    public override ValueTask UdpMessageAsync(UdpFlowContext context) => Hold(context.Flow);

    public override ValueTask DnsRequestAsync(DnsFlowContext context) => Hold(context.Flow);

    public override ValueTask DnsResponseAsync(DnsFlowContext context) => Hold(context.Flow);

    private ValueTask Hold(Flow flow)
    {
        if (_holding && _filter is { } filter && flow.IsReplay == ReplayKind.None && filter.Matches(flow))
        {
            flow.Intercept();
        }

        return default;
    }

    private async ValueTask<int> ResumeAsync(IReadOnlyList<Flow> flows, CancellationToken cancellationToken)
    {
        var held = flows.Where(f => f.Intercepted).ToList();
        foreach (var flow in held)
        {
            flow.Resume();
        }

        await UpdateAsync(held, cancellationToken).ConfigureAwait(false);
        return held.Count;
    }

    private async ValueTask<int> KillAsync(IReadOnlyList<Flow> flows, CancellationToken cancellationToken)
    {
        var killed = flows.Where(f => f.Killable).ToList();
        foreach (var flow in killed)
        {
            flow.Kill();
        }

        LogKilled(logger, killed.Count);
        await UpdateAsync(killed, cancellationToken).ConfigureAwait(false);
        return killed.Count;
    }

    /// <summary>Tells every addon (the View, and through it the web page) that these flows changed, as mitmproxy's commands do.</summary>
    private async ValueTask UpdateAsync(List<Flow> flows, CancellationToken cancellationToken)
    {
        if (flows.Count > 0)
        {
            await chain.InvokeAsync(Hook.Update, new UpdateContext(flows, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sets intercept_active as mitmproxy does when intercept changes (flows are held from this change on, whatever
    /// the option says meanwhile). A configure cannot change options itself (the store is busy with this change), so
    /// the second change runs right after it.
    /// </summary>
    private void TurnOn(bool active, bool initial)
    {
        if (_activeOption.Value == active || (initial && !active))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await _options.UpdateAsync(new Dictionary<string, object?> { ["intercept_active"] = active }).ConfigureAwait(false);
            }
            catch (OptionsException e)
            {
                LogNotActivated(logger, e.Message);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Killed {Count} flows.")]
    private static partial void LogKilled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "intercept_active could not follow intercept: {Reason}")]
    private static partial void LogNotActivated(ILogger logger, string reason);
}
