using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Filters;

namespace Addons.Host.Dump;

/// <summary>A filter-expression option of the built-in file and output addons (empty or blank: every flow).</summary>
internal static class FilterOption
{
    /// <summary>
    /// Compiles the option's expression (null when it is empty or only spaces: no filter); when it does not parse, rejects the configure with
    /// the option's name and the parser's sentence and returns false.
    /// </summary>
    public static bool TryCompile(ConfigureContext context, IOption<string> option, out FlowFilter? filter)
    {
        filter = null;
        if (string.IsNullOrWhiteSpace(option.Value))
        {
            return true;
        }

        if (FlowFilter.TryParse(option.Value, out filter, out var error))
        {
            return true;
        }

        context.Reject($"{option.Name}: {error.Message}");
        return false;
    }
}
