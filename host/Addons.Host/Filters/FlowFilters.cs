using System.Diagnostics.CodeAnalysis;
using Addons.Abstractions.Filters;

namespace Addons.Host.Filters;

/// <summary>
/// The filter service the loader hands every addon (<see cref="Abstractions.IAddonLoader.Filters"/>): this host's
/// engine, so a plugin matches flows exactly as the dump, <c>-r</c> and <c>-w</c> do, and a fix to the engine reaches
/// every plugin with the host. The engine keeps no state, so one instance serves every addon.
/// </summary>
internal sealed class FlowFilters : IFlowFilters
{
    private FlowFilters()
    {
    }

    public static FlowFilters Instance { get; } = new();

    public IFlowFilter All => FlowFilter.All;

    public IFlowFilter Parse(string expression) => FlowFilter.Parse(expression);

    public bool TryParse(string expression, [NotNullWhen(true)] out IFlowFilter? filter, [NotNullWhen(false)] out FlowFilterException? error)
    {
        var parsed = FlowFilter.TryParse(expression, out var compiled, out error);
        filter = compiled;
        return parsed;
    }
}
