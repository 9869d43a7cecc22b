using System.Diagnostics.CodeAnalysis;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// A compiled flow filter of this host's engine, in mitmproxy's filter language (described on
/// <see cref="IFlowFilters"/>, the service addons get it through: <see cref="FlowFilters"/>). The host's own addons
/// (the dump, -r, -w) use it directly. Immutable and safe to use from several threads at once.
/// </summary>
internal sealed class FlowFilter : IFlowFilter
{
    private readonly FilterNode _root;
    private readonly string _description;

    private FlowFilter(string pattern, FilterNode root)
    {
        Pattern = pattern;
        _root = root;
        _description = root.Describe();
    }

    /// <summary>A filter that matches every flow (the pattern <c>~all</c>).</summary>
    public static FlowFilter All { get; } = new("~all", AllNode.Instance);

    /// <summary>The source text the filter was parsed from.</summary>
    public string Pattern { get; }

    /// <summary>Parses and compiles <paramref name="expression"/>.</summary>
    /// <exception cref="FlowFilterException">The expression is empty or malformed, or one of its regexes does not compile.</exception>
    public static FlowFilter Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new FlowFilter(expression, FilterParser.Parse(expression));
    }

    /// <summary>Parses and compiles <paramref name="expression"/>, returning the problem instead of throwing it.</summary>
    /// <param name="expression">The filter expression.</param>
    /// <param name="filter">The compiled filter, when parsing succeeded.</param>
    /// <param name="error">What is wrong with the expression, when parsing failed.</param>
    /// <returns>Whether the expression is valid.</returns>
    public static bool TryParse(string expression, [NotNullWhen(true)] out FlowFilter? filter, [NotNullWhen(false)] out FlowFilterException? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        try
        {
            filter = Parse(expression);
            error = null;
            return true;
        }
        catch (FlowFilterException exception)
        {
            filter = null;
            error = exception;
            return false;
        }
    }

    /// <summary>Whether <paramref name="flow"/> matches the filter. Does not allocate for the common header, URL and status operators.</summary>
    public bool Matches(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return _root.Matches(flow);
    }

    /// <summary>
    /// Whether a flow with this summary matches, when the summary decides it: <c>true</c> or <c>false</c>, always
    /// what <see cref="Matches"/> would say of the flow; <c>null</c> when the filter needs more of the flow than the
    /// summary holds (headers, bodies, addresses, metadata...). <c>~m</c>, <c>~u</c>, bare words, <c>~d</c>, <c>~c</c>,
    /// <c>~q</c>, <c>~s</c>, <c>~e</c>, <c>~marked</c>, <c>~marker</c>, the flow types and <c>~all</c> are decided, and so
    /// is any combination whose undecided parts cannot change the result (<c>~c 404 | ~h x</c> on a 404).
    /// </summary>
    public bool? MatchesSummary(FlowSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return _root.Matches(summary);
    }

    /// <summary>A human description, such as <c>method matches /get/i and status code is 404</c>.</summary>
    public override string ToString() => _description;
}
