using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Abstractions.Options;
using Addons.Abstractions.View;

namespace Addons.Web;

/// <summary>
/// What the endpoints share: the command registry and options every addon declared, the host's flow files, the
/// bus, the View's change counter, and whether a filter change the page asked for is still running. The View is reached only
/// through its commands, so the Web plugin works with any addon that offers them.
/// </summary>
internal sealed class WebApi(ICommandRegistry commands, IOptionStore options, IFlowFiles flowFiles, IEventBus bus, ViewChanges changes, FlowEdits edits)
{
    /// <summary>The most rows a page may ask for (the View's limit).</summary>
    public const int MaxPage = 1000;

    private int _refiltering;

    public ICommandRegistry Commands => commands;

    public IOptionStore Options => options;

    public IFlowFiles FlowFiles => flowFiles;

    public IEventBus Bus => bus;

    public ViewChanges Changes => changes;

    /// <summary>The page's changes to held flows, and the flows as they were before.</summary>
    public FlowEdits Edits => edits;

    /// <summary>Whether a change of the View's filter, order or marked-only setting is running.</summary>
    public bool FilterBusy => Volatile.Read(ref _refiltering) > 0;

    /// <summary>Whether the View plugin is loaded (its commands are what the flow endpoints use).</summary>
    public bool HasView => commands.Find("view.flows.page") is not null;

    public async ValueTask<ViewPage> PageAsync(int offset, int limit, CancellationToken cancellationToken) =>
        (ViewPage)(await commands.CallAsync("view.flows.page", [offset, limit], cancellationToken).ConfigureAwait(false))!;

    /// <summary>The flow with this id in the View's store (loaded from the session when cold), or null.</summary>
    public async ValueTask<Flow?> FlowAsync(Guid id, CancellationToken cancellationToken)
    {
        var flows = (IReadOnlyList<Flow>)(await commands.CallAsync("view.flows.resolve", ["@" + id], cancellationToken).ConfigureAwait(false))!;
        return flows.Count > 0 ? flows[0] : null;
    }

    /// <summary>Runs a change that makes the View filter again, telling the WebSocket clients while it runs.</summary>
    public async ValueTask<T> RefilterAsync<T>(Func<ValueTask<T>> change)
    {
        Interlocked.Increment(ref _refiltering);
        try
        {
            return await change().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _refiltering);
            changes.ViewChanged(null);
        }
    }
}
