namespace Addons.Abstractions.View;

/// <summary>Published by the View addon when many flows left the store at once (clear, clear unmarked).</summary>
public sealed record StoreRefreshed
{
    /// <summary>The one instance.</summary>
    public static readonly StoreRefreshed Instance = new();
}
