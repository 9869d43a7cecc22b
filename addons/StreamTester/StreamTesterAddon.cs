using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.StreamTester.StreamTesterAddon))]

namespace Addons.StreamTester;

/// <summary>Pushes a constant, parameterized stream of flow duplicates through the bus into storage and reports throughput (issue 6).</summary>
public sealed partial class StreamTesterAddon : Addon
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "StreamTester loaded")]
    private static partial void LogLoaded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "StreamTester running")]
    private static partial void LogRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "StreamTester done")]
    private static partial void LogDone(ILogger logger);
}
