namespace Addons.Abstractions.View;

/// <summary>Published by the View addon when the whole view may have changed (filter, order, reversal, clear): read it again.</summary>
public sealed record ViewRefreshed
{
    /// <summary>The one instance.</summary>
    public static readonly ViewRefreshed Instance = new();
}
