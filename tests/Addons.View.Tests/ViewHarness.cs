using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Options;
using Addons.Abstractions.View;
using Addons.Testing;

namespace Addons.View.Tests;

/// <summary>The View addon in an <see cref="AddonTestHost"/> (the host's own registries and bus), with what it publishes.</summary>
internal sealed class ViewHarness : IAsyncDisposable
{
    private ViewHarness(AddonTestHost host, ViewAddon view)
    {
        Host = host;
        View = view;
    }

    public AddonTestHost Host { get; }

    public ViewAddon View { get; }

    public FlowView Model => View.Model;

    public ICommandRegistry Commands => Host.Commands;

    public IOptionStore Options => Host.Options;

    /// <summary>The test's connection to the bus, to publish what other addons would.</summary>
    public IEventBus Bus => Host.Bus;

    /// <summary>The View's own messages published so far, in order (not those the test publishes).</summary>
    public IReadOnlyList<object> Messages => [.. Host.Published<object>().Where(IsViewMessage)];

    /// <summary>What the View logged, message by message.</summary>
    public IReadOnlyList<string> LogLines => [.. Host.Logs.Where(l => l.Addon == View.Name).Select(l => l.Message)];

    public static async Task<ViewHarness> CreateAsync()
    {
        var view = new ViewAddon();
        var host = await AddonTestHost.StartAsync(view);

        // What the start published (the first configure's refresh) is not the test's to see.
        host.ClearPublished();
        return new ViewHarness(host, view);
    }

    /// <summary>mitmproxy's test flow: GET http://address:22/path with a 7-byte body, created at <paramref name="created"/> seconds.</summary>
    public static HttpFlow T(string method = "get", long created = 0)
    {
        var flow = TestFlows.Http(method, "http://address:22/path", "content", ("header", "qvalue"), ("content-length", "7"));
        flow.Request.Headers.Remove("Host");
        flow.TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(created);
        return flow;
    }

    /// <summary>T with a 200 response whose body is 7 bytes.</summary>
    public static HttpFlow WithResponse(HttpFlow flow) => flow.WithResponse(200, "message", ("header-response", "svalue"), ("content-length", "7"));

    public Task<object?> RunAsync(string command, params string[] arguments) => Host.CommandAsync(command, arguments);

    public Task<object?> CallAsync(string command, params object?[] arguments) => Host.CallAsync(command, arguments);

    public Task SetAsync(string option, string value) => Host.ConfigureAsync(option, value);

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
        Host.ClearPublished();
        return names;
    }

    public long[] CreatedTimes() => [.. Model.Flows.Select(f => f.TimestampCreated.ToUnixTimeSeconds())];

    public string[] Methods() => [.. Model.Flows.Select(f => ((HttpFlow)f).Request.Method.ToUpperInvariant())];

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    /// <summary>The messages the View's followers get about the view and the store.</summary>
    private static bool IsViewMessage(object message) =>
        message is ViewFlowAdded or ViewFlowUpdated or ViewFlowRemoved or ViewRefreshed or ViewFocusChanged or StoreFlowRemoved or StoreRefreshed;
}
