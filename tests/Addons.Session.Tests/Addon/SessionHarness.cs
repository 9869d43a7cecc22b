using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Storage;
using Addons.Host.Commands;
using Addons.Host.Events;
using Addons.Host.Loading;
using Addons.Host.Options;
using Addons.View;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Session.Tests.Addon;

/// <summary>The View and the Session loaded into the host's own bus, option store and command registry, as the host chains them.</summary>
internal sealed class SessionHarness
{
    private SessionHarness(ViewAddon view, SessionAddon session, CommandRegistry commands, OptionStore options, EventBus bus, CollectingLogger log)
    {
        View = view;
        Session = session;
        Commands = commands;
        Options = options;
        Bus = bus;
        Log = log;
        bus.Subscribe<FlowsPersisted>(() => "test", m =>
        {
            lock (Persisted)
            {
                Persisted.Add(m);
            }
        });
    }

    public ViewAddon View { get; }

    public SessionAddon Session { get; }

    public CommandRegistry Commands { get; }

    public OptionStore Options { get; }

    public EventBus Bus { get; }

    public CollectingLogger Log { get; }

    public List<FlowsPersisted> Persisted { get; } = [];

    /// <summary>Loads both addons, assigns <paramref name="settings"/> and runs the initial configure; the rejection, if any.</summary>
    public static async Task<(SessionHarness Harness, string? Rejection)> CreateAsync(params (string Name, object Value)[] settings)
    {
        var bus = new EventBus(NullLogger<EventBus>.Instance);
        var commands = new CommandRegistry();
        var options = new OptionStore();
        var log = new CollectingLogger();
        var view = new ViewAddon();
        var session = new SessionAddon();
        view.Load(new AddonRegistration("view", new AddonEventBus(bus, "view"), commands, options, NullLogger.Instance));
        session.Load(new AddonRegistration("session", new AddonEventBus(bus, "session"), commands, options, log));
        foreach (var (name, value) in settings)
        {
            options.AssignInitial(name, value);
        }

        options.Configure = async (updated, initial, ct) =>
        {
            foreach (var (name, addon) in new (string, Abstractions.Addon)[] { ("view", view), ("session", session) })
            {
                var context = new ConfigureContext(updated, initial, ct);
                await addon.ConfigureAsync(context);
                if (context.RejectionReason is { } reason)
                {
                    return $"Addon '{name}' rejected the options: {reason}.";
                }
            }

            return null;
        };
        var rejection = await options.Configure(options.All.Select(o => o.Name).ToHashSet(), true, CancellationToken.None);
        return (new SessionHarness(view, session, commands, options, bus, log), rejection);
    }

    public static async Task<SessionHarness> StartAsync(params (string Name, object Value)[] settings)
    {
        var (harness, rejection) = await CreateAsync(settings);
        Assert.That(rejection, Is.Null);
        return harness;
    }

    /// <summary>A flow through the hooks the View and the Session handle, as the proxy runs them.</summary>
    public async Task CaptureAsync(HttpFlow flow)
    {
        await View.RequestHeadersAsync(new HttpFlowContext(flow, CancellationToken.None));
        await View.ResponseAsync(new HttpFlowContext(flow, CancellationToken.None));
        await Session.ResponseAsync(new HttpFlowContext(flow, CancellationToken.None));
    }

    public Task<object?> RunAsync(string command, params string[] arguments) => Commands.ExecuteAsync(command, arguments).AsTask();

    public Task DoneAsync() => Session.DoneAsync(new LifecycleContext(CancellationToken.None)).AsTask();

    public int PersistedCount()
    {
        lock (Persisted)
        {
            return Persisted.Sum(p => p.FlowIds.Count);
        }
    }
}

/// <summary>Keeps every log line, to check what an operator would read.</summary>
internal sealed class CollectingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
