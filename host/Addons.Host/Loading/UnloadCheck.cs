using System.Reflection;
using System.Reflection.Metadata;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// Unloads a watched plugin's load context once the host has let go of everything from it (the chain, the bus, the
/// commands, the options), and checks that it is gone: the runtime frees a collectible context only when nothing
/// references any of its objects or types, and says nothing when something does. A context still alive after several
/// collections is reported by the plugin's name, as a warning: its assemblies stay in memory until the host restarts.
/// </summary>
internal static partial class UnloadCheck
{
    private const int Rounds = 20;
    private static readonly TimeSpan BetweenRounds = TimeSpan.FromMilliseconds(100);

    // System.Text.Json keeps what it emits to read the members of each type it serialized (a command's result of the
    // plugin's own type) in a static cache, which would keep the plugin's types. The runtime's own hot reload empties
    // it through the handler the assembly names for that (ClearCache); so does an unload.
    private static readonly MethodInfo? ClearJsonCaches = typeof(JsonSerializer).Assembly
        .GetCustomAttributes<MetadataUpdateHandlerAttribute>()
        .Select(a => a.HandlerType.GetMethod("ClearCache", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(Type[])]))
        .FirstOrDefault(m => m is not null);

    /// <summary>
    /// Starts unloading <paramref name="addon"/>'s context and returns a weak reference to it, to be checked with
    /// <see cref="VerifyAsync"/>; null for an addon that is not collectible (built in, or a plugin that is not watched).
    /// </summary>
    /// <remarks>Not inlined, so that no reference to the context outlives this call on the caller's stack.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static WeakReference? Unload(LoadedAddon addon)
    {
        if (addon.Loader is not { IsUnloadable: true } loader ||
            AssemblyLoadContext.GetLoadContext(addon.Instance.GetType().Assembly) is not { IsCollectible: true } context)
        {
            addon.Loader?.Dispose();
            return null;
        }

        var reference = new WeakReference(context);
        loader.Dispose();
        try
        {
            ClearJsonCaches?.Invoke(null, [null]);
        }
        catch (TargetInvocationException)
        {
            // The check still reports the plugin if its types stayed in that cache.
        }

        return reference;
    }

    /// <summary>
    /// Collects until the context is gone (true), or reports the plugin by name after about two seconds of rounds
    /// (false): something that is not the host's still holds it, such as a static event, a timer or a thread.
    /// </summary>
    public static async Task<bool> VerifyAsync(WeakReference context, string pluginId, ILogger logger)
    {
        for (var round = 1; round <= Rounds; round++)
        {
            // A delivery of another addon's hook may still hold the old instance for a moment: wait between rounds.
            await Task.Delay(BetweenRounds).ConfigureAwait(false);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            if (!context.IsAlive)
            {
                LogUnloaded(logger, pluginId, round);
                return true;
            }
        }

        LogStillLoaded(logger, pluginId, Rounds);
        return false;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Plugin '{PluginId}': its previous build unloaded after {Rounds} collection(s)")]
    private static partial void LogUnloaded(ILogger logger, string pluginId, int rounds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Plugin '{PluginId}' did not unload: its previous build is still referenced after {Rounds} collections, so it stays in memory until the host restarts; something outside the host still holds one of its objects, such as a handler on a static event, a timer or a thread it did not stop in done, or its types in a static cache.")]
    private static partial void LogStillLoaded(ILogger logger, string pluginId, int rounds);
}
