using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.Session.SessionAddon))]

namespace Addons.Session;

/// <summary>Persists flows as protobuf in SQLite through a batched writer and restores them on start (issue 5).</summary>
public sealed partial class SessionAddon : Addon
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session loaded")]
    private static partial void LogLoaded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session running")]
    private static partial void LogRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session done")]
    private static partial void LogDone(ILogger logger);
}
