using Addons.Abstractions;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;

[assembly: AddonEntryPoint(typeof(Blocker.BlockerAddon))]

namespace Blocker;

/// <summary>Answers the requests that match block_filter itself, with block_status: they never reach the server.</summary>
public sealed class BlockerAddon : Addon
{
    private IOption<string> _filter = null!;
    private IOption<int> _status = null!;
    private IFlowFilters _filters = null!;
    private volatile IFlowFilter? _compiled;

    public override void Load(IAddonLoader loader)
    {
        _filters = loader.Filters;
        _filter = loader.AddOption("block_filter", "", "A filter expression (\"~d ads.example | ~u /track\"); the proxy answers matching requests itself. Empty: none.");
        _status = loader.AddOption("block_status", 403, "The status code of that answer.");
    }

    // Compiled once per change; a filter that does not parse is refused with the parser's sentence.
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (_status.Value is < 200 or > 599)
        {
            context.Reject($"block_status must be a final HTTP status code, from 200 to 599, not {_status.Value}.");
        }
        else if (string.IsNullOrWhiteSpace(_filter.Value))
        {
            _compiled = null;
        }
        else if (_filters.TryParse(_filter.Value, out var filter, out var error))
        {
            _compiled = filter;
        }
        else
        {
            context.Reject($"block_filter: {error.Message}");
        }

        return default;
    }

    public override ValueTask RequestAsync(HttpFlowContext context)
    {
        if (_compiled is { } filter && filter.Matches(context.Flow))
        {
            context.Flow.Response = HttpResponse.Create(_status.Value, $"Blocked by the proxy: {context.Flow.Request.Url} matches block_filter.\n",
                ("Content-Type", "text/plain; charset=utf-8"));
        }

        return default;
    }
}
