using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.View;
using Addons.Host.Commands;
using Addons.Host.Events;
using Addons.Host.Loading;
using Addons.Host.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.View.Tests;

/// <summary>A View addon loaded into the host's own registries, with every message it publishes collected.</summary>
internal sealed class ViewHarness
{
    private ViewHarness(ViewAddon view, CommandRegistry commands, OptionStore options, EventBus bus)
    {
        View = view;
        Commands = commands;
        Options = options;
        Bus = bus;
    }

    public ViewAddon View { get; }

    public FlowView Model => View.Model;

    public CommandRegistry Commands { get; }

    public OptionStore Options { get; }

    public EventBus Bus { get; }

    /// <summary>Every message the View published, in order.</summary>
    public List<object> Messages { get; } = [];

    public static async Task<ViewHarness> CreateAsync(ILogger? logger = null)
    {
        var bus = new EventBus(NullLogger<EventBus>.Instance);
        var commands = new CommandRegistry();
        var options = new OptionStore();
        var view = new ViewAddon();
        view.Load(new AddonRegistration("view", new AddonEventBus(bus, "view"), commands, options, logger ?? NullLogger.Instance));
        options.Configure = async (updated, initial, ct) =>
        {
            var context = new ConfigureContext(updated, initial, ct);
            await view.ConfigureAsync(context);
            return context.RejectionReason is { } reason ? $"Addon 'view' rejected the options: {reason}." : null;
        };
        await options.Configure(options.All.Select(o => o.Name).ToHashSet(), true, CancellationToken.None);
        var harness = new ViewHarness(view, commands, options, bus);
        bus.Subscribe<ViewFlowAdded>(() => "test", harness.Messages.Add);
        bus.Subscribe<ViewFlowUpdated>(() => "test", harness.Messages.Add);
        bus.Subscribe<ViewFlowRemoved>(() => "test", harness.Messages.Add);
        bus.Subscribe<ViewRefreshed>(() => "test", harness.Messages.Add);
        bus.Subscribe<ViewFocusChanged>(() => "test", harness.Messages.Add);
        bus.Subscribe<StoreFlowRemoved>(() => "test", harness.Messages.Add);
        bus.Subscribe<StoreRefreshed>(() => "test", harness.Messages.Add);
        return harness;
    }

    /// <summary>mitmproxy's test flow: GET http://address:22/path with a 7-byte body, created at <paramref name="created"/> seconds.</summary>
    public static HttpFlow T(string method = "get", long created = 0)
    {
        var flow = new HttpFlow
        {
            TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(created),
            Request = new HttpRequest
            {
                Method = method,
                Scheme = "http",
                Host = "address",
                Port = 22,
                Path = "/path",
                Headers = new HttpHeaders(("header", "qvalue"), ("content-length", "7")),
                Content = "content"u8.ToArray(),
            },
        };
        flow.Client.PeerName = new HostPort("127.0.0.1", 22);
        flow.Server.Address = new HostPort("address", 22);
        return flow;
    }

    /// <summary>T with a 200 response whose body is 7 bytes.</summary>
    public static HttpFlow WithResponse(HttpFlow flow)
    {
        flow.Response = new HttpResponse { StatusCode = 200, Reason = "OK", Headers = new HttpHeaders(("header-response", "svalue"), ("content-length", "7")), Content = "message"u8.ToArray() };
        return flow;
    }

    public Task<object?> RunAsync(string command, params string[] arguments) => Commands.ExecuteAsync(command, arguments).AsTask();

    public Task<object?> CallAsync(string command, params object?[] arguments) => Commands.CallAsync(command, arguments).AsTask();

    public Task SetAsync(string option, string value) =>
        Options.SetAsync(new Dictionary<string, string> { [option] = value }).AsTask();

    /// <summary>The kinds of message published since the last call, as short names.</summary>
    public string[] TakeSignals()
    {
        var names = Messages.Select(m => m switch
        {
            ViewFlowAdded => "add",
            ViewFlowUpdated => "update",
            ViewFlowRemoved => "remove",
            ViewRefreshed => "refresh",
            ViewFocusChanged => "focus",
            StoreFlowRemoved => "store_remove",
            StoreRefreshed => "store_refresh",
            _ => m.GetType().Name,
        }).ToArray();
        Messages.Clear();
        return names;
    }

    public long[] CreatedTimes() => [.. Model.Flows.Select(f => f.TimestampCreated.ToUnixTimeSeconds())];

    public string[] Methods() => [.. Model.Flows.Select(f => ((HttpFlow)f).Request.Method.ToUpperInvariant())];
}
