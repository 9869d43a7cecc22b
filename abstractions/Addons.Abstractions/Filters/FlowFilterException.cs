namespace Addons.Abstractions.Filters;

/// <summary>
/// A flow filter expression could not be parsed. The message reads
/// <c>Invalid filter expression '&lt;expression&gt;' at position &lt;n&gt;: expected &lt;what&gt;</c>;
/// <see cref="Position"/> and <see cref="Expected"/> give the same facts for a user interface to point at. The host's
/// parser (<see cref="IFlowFilters"/>) throws it; the constructors are public so that a test double of the service can.
/// </summary>
public sealed class FlowFilterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FlowFilterException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public FlowFilterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public FlowFilterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Creates the exception for <paramref name="expected"/> missing at <paramref name="position"/> of
    /// <paramref name="expression"/>, with the message the class describes.
    /// </summary>
    public FlowFilterException(string expression, int position, string expected)
        : base(FormatMessage(expression, position, "expected " + expected))
    {
        Expression = expression;
        Position = position;
        Expected = expected;
    }

    /// <summary>
    /// Creates the exception for a problem a parser can explain better than by what it expected (a regex that does not
    /// compile): the message ends with <paramref name="reason"/> instead of <c>expected ...</c>.
    /// </summary>
    public FlowFilterException(string expression, int position, string expected, string reason, Exception innerException)
        : base(FormatMessage(expression, position, reason), innerException)
    {
        Expression = expression;
        Position = position;
        Expected = expected;
    }

    /// <summary>The expression that failed to parse; empty when the exception was created with a plain message.</summary>
    public string Expression { get; } = "";

    /// <summary>The 0-based character offset in <see cref="Expression"/> where the problem is.</summary>
    public int Position { get; }

    /// <summary>What the parser expected at <see cref="Position"/>, such as <c>a regular expression after ~m</c> or <c>')'</c>.</summary>
    public string Expected { get; } = "";

    private static string FormatMessage(string expression, int position, string problem) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Invalid filter expression '{expression}' at position {position}: {problem}");
}
