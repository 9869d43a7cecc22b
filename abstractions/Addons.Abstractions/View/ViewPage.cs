namespace Addons.Abstractions.View;

/// <summary>
/// A window of the View (the View addon's <c>view.flows.page</c> command): the rows at some positions in the current
/// order and filter, with the view's state read under the same lock, so that a user interface shows one consistent
/// picture of a view of any size by asking for the rows on screen.
/// </summary>
public sealed record ViewPage
{
    /// <summary>The position of the first row.</summary>
    public required int Offset { get; init; }

    /// <summary>How many flows the view shows.</summary>
    public required int Total { get; init; }

    /// <summary>How many flows the store holds (shown or not).</summary>
    public required int StoreCount { get; init; }

    /// <summary>The rows from <see cref="Offset"/> on, in display order; fewer than asked at the end of the view.</summary>
    public required IReadOnlyList<ViewRow> Rows { get; init; }

    /// <summary>The view's filter expression, empty for none.</summary>
    public required string Filter { get; init; }

    /// <summary>The view's order (<c>time</c>, <c>method</c>, <c>url</c>, <c>size</c>).</summary>
    public required string Order { get; init; }

    /// <summary>Whether the order is reversed.</summary>
    public required bool Reversed { get; init; }

    /// <summary>Whether the view shows only marked flows.</summary>
    public required bool MarkedOnly { get; init; }

    /// <summary>The focused flow's position, or null.</summary>
    public int? FocusIndex { get; init; }

    /// <summary>The focused flow's id, or null.</summary>
    public Guid? FocusId { get; init; }
}
