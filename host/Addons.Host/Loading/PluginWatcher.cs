using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// Watches one plugin's files and calls back once they have been quiet for the quiet period: a build writes many files,
/// and the reload waits for the last. For a plugin given as an assembly, its folder (the build output), reloading only
/// when one of its assemblies or deps.json files did change; for an --addon project, its sources (*.cs, *.csproj,
/// *.props, *.targets, outside bin/ and obj/), whose reload builds it first, as <c>mitmdump -s</c> reloads a script on save.
/// </summary>
internal sealed partial class PluginWatcher : IAsyncDisposable
{
    private static readonly string[] SourceExtensions = [".cs", ".csproj", ".props", ".targets"];

    private readonly string _pluginId;
    private readonly string _folder;
    private readonly bool _isProject;
    private readonly TimeSpan _quietPeriod;
    private readonly Func<CancellationToken, Task> _changed;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastChange;
    private string _fingerprint;

    private PluginWatcher(string pluginId, string folder, bool isProject, TimeSpan quietPeriod, Func<CancellationToken, Task> changed, ILogger logger)
    {
        _pluginId = pluginId;
        _folder = folder;
        _isProject = isProject;
        _quietPeriod = quietPeriod;
        _changed = changed;
        _logger = logger;
        _fingerprint = Fingerprint();
        _watcher = new FileSystemWatcher(folder)
        {
            IncludeSubdirectories = isProject,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnRenamed;
        _watcher.Error += OnError;
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>What is watched, for the log: the folder, or the project's sources.</summary>
    public string Watched => _isProject ? $"the sources in {_folder}" : _folder;

    /// <summary>Watches the folder of <paramref name="assemblyPath"/>, the plugin's build output.</summary>
    public static PluginWatcher ForAssembly(string pluginId, string assemblyPath, TimeSpan quietPeriod, Func<CancellationToken, Task> changed, ILogger logger) =>
        new(pluginId, Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!, isProject: false, quietPeriod, changed, logger);

    /// <summary>Watches the sources of the project <paramref name="projectPath"/>.</summary>
    public static PluginWatcher ForProject(string pluginId, string projectPath, TimeSpan quietPeriod, Func<CancellationToken, Task> changed, ILogger logger) =>
        new(pluginId, Path.GetDirectoryName(Path.GetFullPath(projectPath))!, isProject: true, quietPeriod, changed, logger);

    public async ValueTask DisposeAsync()
    {
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        _pending.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (Matters(e.FullPath))
        {
            Touch();
        }
    }

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        // Editors save by writing another file and renaming it over the source.
        if (Matters(e.FullPath) || Matters(e.OldFullPath))
        {
            Touch();
        }
    }

    private void OnError(object sender, ErrorEventArgs e)
    {
        // Events were lost (the watcher's buffer overflowed): something changed.
        LogWatchError(_logger, _pluginId, e.GetException().Message);
        Touch();
    }

    private void Touch()
    {
        Volatile.Write(ref _lastChange, Environment.TickCount64);
        _pending.Writer.TryWrite(true);
    }

    private bool Matters(string path)
    {
        if (!_isProject)
        {
            return true;
        }

        // A new folder counts too: the sources written into it at once may come before the watch on it does.
        var relative = Path.GetRelativePath(_folder, path);
        var first = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[0];
        return first is not ("bin" or "obj") && !first.StartsWith('.') &&
            (SourceExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase) || Directory.Exists(path));
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (await _pending.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                _pending.Reader.TryRead(out _);
                await QuietAsync(token).ConfigureAwait(false);

                // A folder whose assemblies are as they were loaded (a build that changed nothing, only a pdb) is no reload.
                var fingerprint = Fingerprint();
                if (!_isProject && fingerprint == _fingerprint)
                {
                    continue;
                }

                _fingerprint = fingerprint;
                LogChanged(_logger, _pluginId, _isProject ? "its sources changed; building and reloading it" : "its build changed; reloading it");
                try
                {
                    await _changed(token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReloadThrew(_logger, _pluginId, ex.GetType().Name, ex.Message, ex);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>Waits until no change has come for the quiet period.</summary>
    private async Task QuietAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var quietFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastChange));
            if (quietFor >= _quietPeriod)
            {
                // Changes seen until now are covered by what follows.
                _pending.Reader.TryRead(out _);
                return;
            }

            await Task.Delay(_quietPeriod - quietFor, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The name, size and time of every assembly and deps.json in the folder: what a new build changes.</summary>
    private string Fingerprint()
    {
        if (_isProject)
        {
            return "";
        }

        try
        {
            return string.Join('|', new DirectoryInfo(_folder).EnumerateFiles()
                .Where(f => f.Extension.Equals(".dll", StringComparison.OrdinalIgnoreCase) || f.Name.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}")));
        }
        catch (IOException)
        {
            return Guid.NewGuid().ToString();
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Plugin '{PluginId}': {What}")]
    private static partial void LogChanged(ILogger logger, string pluginId, string what);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Plugin '{PluginId}': watching its files failed ({Reason}); reloading it in case it changed")]
    private static partial void LogWatchError(ILogger logger, string pluginId, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Plugin '{PluginId}': its reload threw {ExceptionType}: {Reason}")]
    private static partial void LogReloadThrew(ILogger logger, string pluginId, string exceptionType, string reason, Exception exception);
}
