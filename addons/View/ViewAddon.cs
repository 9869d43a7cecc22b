using System.Text.RegularExpressions;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Interop;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.View.ViewAddon))]

namespace Addons.View;

/// <summary>
/// mitmproxy's View: every flow in a store, the filtered and ordered view of them with focus, marks and per-flow
/// settings, the view.* and flow.mark commands, and the view's changes published on the event bus
/// (<see cref="Abstractions.View.ViewFlowAdded"/> and its siblings) so other addons and a UI can follow it.
/// </summary>
public sealed partial class ViewAddon : Addon
{
    private const int MaxPage = 1000;
    private readonly Lock _gate = new();
    private readonly List<object> _pending = [];
    private readonly FlowView _view;
    private IEventBus? _bus;
    private IFlowFiles _flowFiles = null!;
    private IFlowFilters _filters = null!;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private IOptionStore? _options;
    private IOption<string> _filterOption = null!;
    private IOption<string> _orderOption = null!;
    private IOption<bool> _reversedOption = null!;
    private IOption<bool> _focusFollowOption = null!;
    private ViewMetrics? _metrics;

    public ViewAddon() => _view = new FlowView(_pending.Add, message => LogArchiveUnreadable(_logger, message));

    /// <inheritdoc />
    public override string Name => "view";

    /// <summary>The view model, for tests and in-process readers; take <see cref="Gate"/> while reading it.</summary>
    internal FlowView Model => _view;

    internal Lock Gate => _gate;

    /// <summary>Runs a filter change's evaluation off the lock; tests hold it to look at the view meanwhile.</summary>
    internal Func<FilterRun, Task> FilterEvaluator { get; set; } = static run => Task.Run(run.Evaluate);

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _bus = loader.Bus;
        _logger = loader.Logger;
        _metrics = new ViewMetrics(this, () => Read(() => _view.StoreCount), () => Read(() => _view.Count));
        _filters = loader.Filters;
        // mitmproxy's files and HAR, read by the host, and the formats other addons add (session files).
        _flowFiles = loader.FlowFiles;

        _options = loader.Options;
        _filterOption = loader.AddOption("view_filter", "", "Limit the view to flows matching this filter expression.");
        _orderOption = loader.AddOption("view_order", "time", "The order of the view.", [.. OrderKey.All.Select(o => o.Name)]);
        _reversedOption = loader.AddOption("view_order_reversed", false, "Reverse the order of the view.");
        _focusFollowOption = loader.AddOption("focus_follow", false, "Move the focus to each new flow that enters the view.");
        loader.Bus.Subscribe<Abstractions.View.FlowsLoaded>(Load);
        loader.Bus.Subscribe<Abstractions.Storage.FlowsArchived>(Archive);

        loader.AddCommand("view.focus.go", (int offset) => Do(() => _view.Go(offset)), "Focus the flow at this position; negative counts from the end.");
        loader.AddCommand("view.focus.next", () => Do(() => _view.Step(1)), "Focus the next flow.");
        loader.AddCommand("view.focus.prev", () => Do(() => _view.Step(-1)), "Focus the previous flow.");
        loader.AddCommand("view.order.options", () => OrderKey.All.Select(o => o.Name).ToArray(), "The orders the view can use.");
        loader.AddCommand("view.order.set", (string order, CancellationToken ct) => SetOptionAsync("view_order", order, ct), "Set the order of the view.");
        loader.AddCommand("view.order.reverse", (bool reversed, CancellationToken ct) => SetOptionAsync("view_order_reversed", reversed ? "true" : "false", ct), "Reverse the order of the view or not.");
        loader.AddCommand("view.order", () => Read(() => _view.Order.Name), "The current order of the view.");
        loader.AddCommand("view.filter.set", (string filter, CancellationToken ct) => SetOptionAsync("view_filter", filter, ct), "Set the view's filter; empty shows every flow.");
        loader.AddCommand("view.clear", () => Do(_view.Clear), "Remove every flow from the view and the store.");
        loader.AddCommand("view.clear_unmarked", (CancellationToken ct) => Refilter(_view.ClearUnmarked, ct), "Remove every unmarked flow.");
        loader.AddCommand("view.settings.getval", (Flow flow, string key, string fallback) => Read(() => _view.Settings(flow).TryGetValue(key, out var value) ? value : fallback), "A per-flow setting, or the default.");
        loader.AddCommand("view.settings.setval", (IReadOnlyList<Flow> flows, string key, string value) => SetSetting(flows, key, _ => value), "Set a per-flow setting.");
        loader.AddCommand("view.settings.setval.toggle", (IReadOnlyList<Flow> flows, string key) => SetSetting(flows, key, old => old == "true" ? "false" : "true"), "Toggle a per-flow setting between true and false.");
        loader.AddCommand("view.flows.duplicate", (IReadOnlyList<Flow> flows) => Duplicate(flows), "Duplicate flows and focus the first copy.");
        loader.AddCommand("view.flows.remove", (IReadOnlyList<Flow> flows) => Do(() => _view.Remove(flows)), "Remove flows from the view and the store, killing live ones.");
        loader.AddCommand("view.flows.resolve", (string spec) => Resolve(spec), "The flows a selector (@all, @focus, @shown, @hidden, @marked, @unmarked, @id,...) or a filter picks.");
        loader.AddCommand("view.flows.create", (string method, string url) => Create(method, url), "Create a request-only flow.");
        loader.AddCommand("view.flows.load", (string path) => LoadFile(path), "Load the flows of a file (mitmproxy's flow format, HAR, or a format an addon adds, such as a session file) into the view as copies with new ids, without running addons.");
        loader.AddCommand("view.flows.page", (int offset, int limit) => Page(offset, limit), "The rows at these positions of the view (at most 1000), with the view's size, filter, order and focus, read at once; cold flows are not loaded.");
        loader.AddCommand("view.properties.length", () => Read(() => _view.Count), "How many flows the view shows.");
        loader.AddCommand("view.properties.marked", () => Read(() => _view.MarkedOnly), "Whether the view shows only marked flows.");
        loader.AddCommand("view.properties.marked.toggle", (CancellationToken ct) => FilterAsync(Read(() => _view.BeginFilter(_view.IntendedFilter, !_view.IntendedMarkedOnly)), ct), "Show only marked flows, or every flow.");
        loader.AddCommand("view.properties.inbounds", (int index) => Read(() => _view.InBounds(index)), "Whether a position is inside the view.");
        loader.AddCommand("flow.mark", (IReadOnlyList<Flow> flows, string marker) => Mark(flows, ValidMarker(marker)), "Mark flows with a marker: :default:, a letter or digit, or an emoji name such as :grapes: (true is :default:; false or empty unmarks).");
        loader.AddCommand("flow.mark.toggle", (IReadOnlyList<Flow> flows) => Mark(flows, f => f.Marked.Length > 0 ? "" : ":default:"), "Mark unmarked flows and unmark marked ones.");
    }

    /// <inheritdoc />
    public override async ValueTask ConfigureAsync(ConfigureContext context)
    {
        IFlowFilter? filter = null;
        // Blank is no filter, as for every filter option.
        if (context.Updated.Contains("view_filter") && !string.IsNullOrWhiteSpace(_filterOption.Value) &&
            !_filters.TryParse(_filterOption.Value, out filter, out var error))
        {
            context.Reject($"view_filter: {error.Message}");
            return;
        }

        var order = OrderKey.Find(_orderOption.Value);
        if (order is null)
        {
            context.Reject($"view_order: Unknown flow order '{_orderOption.Value}'; use {string.Join(", ", OrderKey.All.Select(o => o.Name))}");
            return;
        }

        FilterRun? run = null;
        Do(() =>
        {
            _view.FocusFollow = _focusFollowOption.Value;
            if (context.Updated.Contains("view_filter"))
            {
                run = _view.BeginFilter(filter, _view.IntendedMarkedOnly);
            }

            if (context.Updated.Contains("view_order") && order != _view.Order)
            {
                _view.SetOrder(order);
            }

            if (context.Updated.Contains("view_order_reversed") && _reversedOption.Value != _view.Reversed)
            {
                _view.SetReversed(_reversedOption.Value);
            }
        });
        await FilterAsync(run, context.CancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override ValueTask DoneAsync(LifecycleContext context)
    {
        // A meter left behind would keep a reloaded build loaded, and go on reporting a view that is gone.
        _metrics?.Dispose();
        _metrics = null;
        return default;
    }

    /// <inheritdoc />
    public override ValueTask RequestHeadersAsync(HttpFlowContext context)
    {
        Do(context.Flow, static (view, flow) => view.Add(flow));
        return default;
    }

    /// <inheritdoc />
    public override ValueTask ResponseAsync(HttpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask ErrorAsync(HttpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask TcpStartAsync(TcpFlowContext context) => Added(context.Flow);

    /// <inheritdoc />
    public override ValueTask TcpMessageAsync(TcpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask TcpEndAsync(TcpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask TcpErrorAsync(TcpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask UdpStartAsync(UdpFlowContext context) => Added(context.Flow);

    /// <inheritdoc />
    public override ValueTask UdpMessageAsync(UdpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask UdpEndAsync(UdpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask UdpErrorAsync(UdpFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask DnsRequestAsync(DnsFlowContext context) => Added(context.Flow);

    /// <inheritdoc />
    public override ValueTask DnsResponseAsync(DnsFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask DnsErrorAsync(DnsFlowContext context) => Updated(context.Flow);

    /// <inheritdoc />
    public override ValueTask UpdateAsync(UpdateContext context)
    {
        Do(context.Flows, static (view, flows) =>
        {
            // By index: an update follows every hook of every flow, and a foreach over the interface boxes its enumerator.
            for (var i = 0; i < flows.Count; i++)
            {
                view.Update(flows[i]);
            }
        });
        return default;
    }

    private ValueTask Added(Flow flow)
    {
        Do(flow, static (view, flow) => view.Add(flow));
        return default;
    }

    private ValueTask Updated(Flow flow)
    {
        Do(flow, static (view, flow) => view.Update(flow));
        return default;
    }

    /// <summary>Flows brought back from storage: into the store in their order (cold ones first), with their settings.</summary>
    private void Load(Abstractions.View.FlowsLoaded loaded) => Do(() =>
    {
        if (loaded is { Archive: { } archive, ColdFlows: { Count: > 0 } cold })
        {
            _view.AddCold(archive, cold);
            KeepSettings(cold.Select(f => f.Id), loaded.Settings);
        }

        _view.Add(loaded.Flows);
        KeepSettings(loaded.Flows.Select(f => f.Id), loaded.Settings);
    });

    private void KeepSettings(IEnumerable<Guid> ids, IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? all)
    {
        if (all is null)
        {
            return;
        }

        foreach (var id in ids)
        {
            if (all.TryGetValue(id, out var settings) && _view.StoreContains(id))
            {
                var target = _view.Settings(id);
                foreach (var (key, value) in settings)
                {
                    target[key] = value;
                }
            }
        }
    }

    /// <summary>Flows a storage addon holds: those still as it stored them leave memory (cold, kept as summaries).</summary>
    private void Archive(Abstractions.Storage.FlowsArchived archived) => Do(() => _view.Archive(archived.Archive, archived.Flows));

    /// <summary>Adds flows directly (for tests and loaders), as requestheaders does.</summary>
    internal void Add(params Flow[] flows) => Do(() => _view.Add(flows));

    /// <summary>Tells the view flows changed, as the update hook does.</summary>
    internal void Update(params Flow[] flows) => Do(() => _view.Update(flows));

    /// <summary>A change that refilters (marked-only, clear unmarked), then the archive's part of it.</summary>
    private async Task Refilter(Func<ArchiveQuery?> change, CancellationToken cancellationToken)
    {
        ArchiveQuery? query = null;
        Do(() => query = change());
        await AskArchiveAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Evaluates a filter change off the view's lock, on every core, while the proxy goes on adding flows and pages go
    /// on being read; then applies it under the lock and asks the archive about the cold flows left open.
    /// </summary>
    private async Task FilterAsync(FilterRun? run, CancellationToken cancellationToken)
    {
        if (run is null)
        {
            return;
        }

        // Not cancelled halfway: a run begun is completed, or the view would show the old filter under the new option.
        await FilterEvaluator(run).ConfigureAwait(false);
        ArchiveQuery? query = null;
        Do(() => query = _view.CompleteFilter(run));
        await AskArchiveAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the archive, off the view's lock (the proxy goes on adding flows meanwhile), which cold flows the summaries
    /// left open match, and puts those into the view. When the archive cannot answer they stay out, and the log says so.
    /// </summary>
    private async Task AskArchiveAsync(ArchiveQuery? query, CancellationToken cancellationToken)
    {
        if (query is null)
        {
            return;
        }

        var matched = new HashSet<Guid>();
        foreach (var part in query.Parts)
        {
            try
            {
                matched.UnionWith(await Task.Run(() => part.Archive.Match(query.Filter, part.Ids, cancellationToken), cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is FlowArchiveException or OperationCanceledException)
            {
                LogArchiveFailed(_logger, part.Ids.Count, part.Archive.Name, query.Filter.Pattern, e.Message);
            }
        }

        Do(() => _view.Complete(query, matched));
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    /// <summary>Runs a change under the lock, then publishes what it produced, outside the lock.</summary>
    private void Do(Action change) => Do(change, static (_, change) => change());

    /// <summary>
    /// As <see cref="Do(Action)"/>, the change given its state rather than capturing it: the proxy's hooks come here
    /// several times a flow, and a closure each time was a measured share of what a flow allocates.
    /// </summary>
    private void Do<TState>(TState state, Action<FlowView, TState> change)
    {
        // Most changes produce one message (a flow added or updated), which needs no array to leave the lock in.
        object? single = null;
        object[]? several = null;
        lock (_gate)
        {
            try
            {
                change(_view, state);
            }
            finally
            {
                if (_pending.Count == 1)
                {
                    single = _pending[0];
                }
                else if (_pending.Count > 1)
                {
                    several = [.. _pending];
                }

                _pending.Clear();
            }
        }

        if (single is not null)
        {
            Publish(single);
        }

        foreach (var message in several ?? [])
        {
            Publish(message);
        }
    }

    private void Publish(object message)
    {
        if (_bus is null)
        {
            return;
        }

        // The bus delivers by exact type, so each message goes out as what it is.
        switch (message)
        {
            case Abstractions.View.ViewFlowAdded m: _bus.Publish(m); break;
            case Abstractions.View.ViewFlowUpdated m: _bus.Publish(m); break;
            case Abstractions.View.ViewFlowRemoved m: _bus.Publish(m); break;
            case Abstractions.View.ViewRefreshed m: _bus.Publish(m); break;
            case Abstractions.View.ViewFocusChanged m: _bus.Publish(m); break;
            case Abstractions.View.StoreFlowRemoved m: _bus.Publish(m); break;
            case Abstractions.View.StoreRefreshed m: _bus.Publish(m); break;
            case Abstractions.View.FlowSettingChanged m: _bus.Publish(m); break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogArchiveUnreadable(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} flows kept in {Archive} could not be matched against the filter '{Filter}', so they are left out of the view: {Reason}")]
    private static partial void LogArchiveFailed(ILogger logger, int count, string archive, string filter, string reason);
}
