namespace Addons.Host.Hosting;

/// <summary>How a reload of a watched plugin went.</summary>
/// <param name="Succeeded">Whether the new build runs in the plugin's place.</param>
/// <param name="Reason">Why it does not, as the log says it; null when it does.</param>
/// <param name="Unloaded">
/// The check of the build this reload let go of (the old one, or a new one that failed): true once its load context
/// is gone, false when it did not unload (reported by name in the log). True at once when nothing was let go.
/// </param>
internal sealed record PluginReload(bool Succeeded, string? Reason, Task<bool> Unloaded)
{
    public static PluginReload Cancelled { get; } = new(false, "the host is stopping.", Task.FromResult(true));
}
