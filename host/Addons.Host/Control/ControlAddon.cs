using System.Net;
using System.Security.Cryptography;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Health;
using Addons.Host.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Control;

/// <summary>
/// The host's control endpoint: an HTTP API on loopback (<see cref="ControlEndpoints"/>) through which
/// <c>addons-host --command</c>, and later the web UI, run every addon's commands, and a service manager asks for the
/// host's health (<see cref="HostHealthChecks"/>). It starts at <c>running</c> on a
/// free port unless <c>control_listen_port</c> names one, every request needs a token (a new random one each start
/// unless <c>control_token</c> is set), and <c>control.json</c> in the host's data folder says where it is and the
/// token, readable by the owner only; the file goes at <c>done</c>.
/// </summary>
internal sealed partial class ControlAddon(ProxyAddon proxy, ICommandRegistry commands, HostHealthChecks health, ILoggerFactory loggerFactory, ILogger<ControlAddon> logger) : Addon
{
    private IOption<bool> _enabled = null!;
    private IOption<string> _listenHost = null!;
    private IOption<int> _listenPort = null!;
    private IOption<string> _token = null!;
    private WebApplication? _app;
    private string? _file;
    private ControlFile? _written;

    public override string Name => "control";

    /// <summary>The endpoint's address once it listens (for tests).</summary>
    internal Uri? Address { get; private set; }

    public override void Load(IAddonLoader loader)
    {
        _enabled = loader.AddOption("control", true, "Serve the control endpoint (addons-host --command) on loopback, behind a token.");
        _listenHost = loader.AddOption("control_listen_host", "127.0.0.1", "The control endpoint's address; keep it on loopback unless something else guards it.");
        _listenPort = loader.AddOption("control_listen_port", 0, "The control endpoint's port; 0 takes a free one, which control.json names.");
        _token = loader.AddOption("control_token", "", "The token every control request needs; empty makes a new random one at each start, written to control.json.");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!context.IsInitial && (context.Updated.Contains("control") || context.Updated.Contains("control_listen_host") || context.Updated.Contains("control_listen_port") || context.Updated.Contains("control_token")))
        {
            context.Reject("the control endpoint's options take effect at start; restart the host to change them.");
        }
        else if (!IPAddress.TryParse(_listenHost.Value, out _))
        {
            context.Reject($"control_listen_host must be an IP address, such as 127.0.0.1, not \"{_listenHost.Value}\".");
        }
        else if (_listenPort.Value is < 0 or > 65535)
        {
            context.Reject($"control_listen_port must be a port from 0 to 65535, not {_listenPort.Value}.");
        }

        return default;
    }

    public override async ValueTask RunningAsync(LifecycleContext context)
    {
        if (!_enabled.Value)
        {
            return;
        }

        var token = _token.Value.Length > 0 ? _token.Value : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(_listenHost.Value), _listenPort.Value));

        // The host's own lifetime handles Ctrl+C and SIGTERM; the endpoint stops at done, after the other addons.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        health.AddTo(builder.Services.AddHealthChecks());
        var app = builder.Build();
        ControlEndpoints.Map(app, token, commands);
        try
        {
            // Not the hook's token: a host that stops at once (-n -r) cancels it, and the endpoint still stops at done.
            await app.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            LogNotStarted(logger, _listenHost.Value, _listenPort.Value, e.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address);
        _file = ControlFile.PathIn(proxy.Settings.ConfigDirectory);
        _written = new ControlFile(Address.ToString(), token, Environment.ProcessId);
        try
        {
            _written.Write(_file);
            LogListening(logger, Address, _file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFileNotWritten(logger, Address, _file, e.Message);
            _file = null;
        }
    }

    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        if (_file is not null && _written is not null)
        {
            try
            {
                // Another host with the same data folder may have written its own since: leave that one.
                if (ControlFile.Read(_file) == _written)
                {
                    File.Delete(_file);
                }
            }
            catch (Exception e) when (e is AddonHostException or IOException or UnauthorizedAccessException)
            {
            }
        }

        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Control endpoint at {Address}; its token is in {File} (addons-host --command NAME ARGS uses it)")]
    private static partial void LogListening(ILogger logger, Uri address, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control endpoint at {Address}, but {File} cannot be written ({Reason}), so addons-host --command cannot find it")]
    private static partial void LogFileNotWritten(ILogger logger, Uri address, string file, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The control endpoint cannot listen on {Host}:{Port} ({Reason}); the host runs without it")]
    private static partial void LogNotStarted(ILogger logger, string host, int port, string reason);

    /// <summary>No console lifetime of its own: the host's handles the signals.</summary>
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Kestrel's own warnings and errors, in the host's log.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
