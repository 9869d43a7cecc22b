using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.View.ViewAddon))]

namespace Addons.View;

/// <summary>The in-memory, ordered and filtered view of flows (filter language, focus, marks and commands arrive with issue 4).</summary>
public sealed partial class ViewAddon : Addon
{
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _logger = loader.Logger;
        LogLoaded(_logger);
    }

    /// <inheritdoc />
    public override ValueTask RunningAsync(LifecycleContext context)
    {
        LogRunning(_logger);
        return default;
    }

    /// <inheritdoc />
    public override ValueTask DoneAsync(LifecycleContext context)
    {
        LogDone(_logger);
        return default;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "View loaded")]
    private static partial void LogLoaded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "View running")]
    private static partial void LogRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "View done")]
    private static partial void LogDone(ILogger logger);
}
