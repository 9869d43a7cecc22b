using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Abstractions.View;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.Web.WebAddon))]

namespace Addons.Web;

/// <summary>
/// The web interface, as mitmweb: a Kestrel server started at <c>running</c> and stopped at <c>done</c>, serving the
/// page from embedded assets, a JSON API over every addon's commands and options (<c>API.md</c>), and a WebSocket that
/// follows the View through its bus messages. Every request needs the token the log prints at start.
/// </summary>
public sealed partial class WebAddon : Addon
{
    private readonly ViewChanges _changes = new();
    private readonly FlowEdits _edits = new();
    private IAddonLoader _loader = null!;
    private IOption<string> _host = null!;
    private IOption<int> _port = null!;
    private IOption<bool> _openBrowser = null!;
    private IOption<string> _password = null!;
    private WebApplication? _app;

    /// <inheritdoc />
    public override string Name => "web";

    /// <summary>Where the server listens once it runs (for tests).</summary>
    internal Uri? Address { get; private set; }

    /// <summary>The token every request needs, once the server runs (for tests).</summary>
    internal string? Token { get; private set; }

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _loader = loader;
        _host = loader.AddOption("web_host", "127.0.0.1", "The web interface's address; keep it on loopback unless something else guards it.");
        _port = loader.AddOption("web_port", 8081, "The web interface's port; 0 takes a free one, which the log names.");
        _openBrowser = loader.AddOption("web_open_browser", false, "Open the web interface in the default browser at start.");
        _password = loader.AddOption("web_password", "", "The token the web interface asks for; empty makes a new random one at each start, printed in the log.");

        // Synchronous handlers: they run on the View's publishing thread and only count, so a capture at any rate
        // costs the View an increment per flow; the WebSocket senders read the counts on their own timer.
        loader.Bus.Subscribe<ViewFlowAdded>(m => _changes.ViewChanged(m.Flow.Id));
        loader.Bus.Subscribe<ViewFlowUpdated>(m => _changes.ViewChanged(m.Flow.Id));
        loader.Bus.Subscribe<ViewFlowRemoved>(m => _changes.ViewChanged(m.Flow.Id));
        loader.Bus.Subscribe<StoreFlowRemoved>(m =>
        {
            _edits.Forget(m.Flow.Id);
            _changes.ViewChanged(m.Flow.Id);
        });
        loader.Bus.Subscribe<ViewRefreshed>(_ => _changes.ViewChanged(null));
        loader.Bus.Subscribe<StoreRefreshed>(refreshed =>
        {
            _changes.ViewChanged(null);

            // view.clear and clear_unmarked say nothing per flow: the originals of edited flows that left go now.
            if (_edits.Edited.Count > 0)
            {
                _ = Task.Run(() => ForgetEditsOfRemovedFlowsAsync(loader.Commands));
            }
        });
        loader.Bus.Subscribe<ViewFocusChanged>(_ => _changes.ViewChanged(null));
    }

    /// <summary>The changes the page made to held flows.</summary>
    internal FlowEdits Edits => _edits;

    private async Task ForgetEditsOfRemovedFlowsAsync(ICommandRegistry commands)
    {
        var edited = _edits.Edited;
        try
        {
            var present = await commands.ExecuteAsync("view.flows.resolve", ["@" + string.Join(',', edited)]).ConfigureAwait(false) as IEnumerable<Flow>;
            var kept = present?.Select(f => f.Id).ToHashSet() ?? [];
            foreach (var id in edited.Where(id => !kept.Contains(id)))
            {
                _edits.Forget(id);
            }
        }
        catch (CommandException)
        {
            // No View to ask: the originals stay until their flows' removals are announced.
        }
    }

    /// <inheritdoc />
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!context.IsInitial && (context.Updated.Contains("web_host") || context.Updated.Contains("web_port") || context.Updated.Contains("web_password")))
        {
            context.Reject("the web interface's address and token take effect at start; restart the host to change them.");
        }
        else if (!IPAddress.TryParse(_host.Value, out _))
        {
            context.Reject($"web_host must be an IP address, such as 127.0.0.1, not \"{_host.Value}\".");
        }
        else if (_port.Value is < 0 or > 65535)
        {
            context.Reject($"web_port must be a port from 0 to 65535, not {_port.Value}.");
        }

        return default;
    }

    /// <inheritdoc />
    public override async ValueTask RunningAsync(LifecycleContext context)
    {
        var token = _password.Value.Length > 0 ? _password.Value : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var address = IPAddress.Parse(_host.Value);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loader.Logger));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, _port.Value);
            // Uploads are flow files; a capture of a few hundred megabytes is ordinary.
            kestrel.Limits.MaxRequestBodySize = 2L * 1024 * 1024 * 1024;
        });

        // The host's lifetime handles Ctrl+C and SIGTERM; the server stops at done.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        var app = builder.Build();
        var guard = new WebGuard(token, _host.Value);
        var api = new WebApi(_loader.Commands, _loader.Options, _loader.FlowFiles, _loader.Bus, _changes, _edits);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Use(guard.InvokeAsync);
        StaticAssets.Map(app);
        FlowEndpoints.Map(app, api);
        EditEndpoints.Map(app, api);
        FileEndpoints.Map(app, api);
        CommandEndpoints.Map(app, api);
        app.Map("/updates", context => LiveUpdates.AcceptAsync(context, api));
        try
        {
            // Not the hook's token: a host that stops at once cancels it, and the server still stops at done.
            await app.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            LogNotStarted(_loader.Logger, _host.Value, _port.Value, e.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        Token = token;
        var listening = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Address = listening;
        var url = new Uri(listening, "/?token=" + Uri.EscapeDataString(token));
        LogListening(_loader.Logger, url);
        if (_openBrowser.Value)
        {
            OpenBrowser(url);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OpenBrowser(Uri url)
    {
        try
        {
            var opener = OperatingSystem.IsWindows() ? "explorer.exe" : OperatingSystem.IsMacOS() ? "open" : "xdg-open";
            using var process = Process.Start(new ProcessStartInfo(opener, url.ToString()) { UseShellExecute = false });
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            LogNoBrowser(_loader.Logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web interface at {Url}")]
    private static partial void LogListening(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Error, Message = "The web interface cannot listen on {Host}:{Port} ({Reason}); the proxy runs without it (set web_port to another port, or 0 for a free one)")]
    private static partial void LogNotStarted(ILogger logger, string host, int port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No browser could be opened ({Reason}); open the web interface's address above")]
    private static partial void LogNoBrowser(ILogger logger, string reason);

    /// <summary>No console lifetime of its own: the host's handles the signals.</summary>
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Kestrel's own warnings and errors, in the addon's log.</summary>
    private sealed class ForwardingLoggerProvider(ILogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
