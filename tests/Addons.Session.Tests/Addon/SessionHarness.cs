using System.Globalization;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Addons.Testing;
using Addons.View;

namespace Addons.Session.Tests.Addon;

/// <summary>The View and the Session in an <see cref="AddonTestHost"/>, chained in that order as plugins.json orders them.</summary>
internal sealed class SessionHarness
{
    private SessionHarness(AddonTestHost host, ViewAddon view, SessionAddon session)
    {
        Host = host;
        View = view;
        Session = session;
    }

    public AddonTestHost Host { get; }

    public ViewAddon View { get; }

    public SessionAddon Session { get; }

    /// <summary>What the Session logged (the View's and the host's entries are in <see cref="AddonTestHost.Logs"/>).</summary>
    public IReadOnlyList<CapturedLog> Logs => [.. Host.Logs.Where(l => l.Addon == Session.Name)];

    /// <summary>Every <see cref="FlowsPersisted"/> the Session published.</summary>
    public IReadOnlyList<FlowsPersisted> Persisted => Host.Published<FlowsPersisted>();

    /// <summary>Starts both addons with <paramref name="settings"/> set before the first configure; the rejection, if any.</summary>
    public static async Task<(SessionHarness? Harness, string? Rejection)> CreateAsync(params (string Name, object Value)[] settings)
    {
        var view = new ViewAddon();
        var session = new SessionAddon();
        var options = settings.ToDictionary(s => s.Name, s => Convert.ToString(s.Value, CultureInfo.InvariantCulture)!, StringComparer.Ordinal);
        try
        {
            return (new SessionHarness(await AddonTestHost.StartAsync([view, session], options), view, session), null);
        }
        catch (OptionsException e)
        {
            return (null, e.Message);
        }
    }

    public static async Task<SessionHarness> StartAsync(params (string Name, object Value)[] settings)
    {
        var (harness, rejection) = await CreateAsync(settings);
        Assert.That(rejection, Is.Null);
        return harness!;
    }

    /// <summary>A flow through every hook, as the proxy runs a captured one.</summary>
    public Task CaptureAsync(HttpFlow flow) => Host.CycleAsync(flow);

    public Task<object?> RunAsync(string command, params string[] arguments) => Host.CommandAsync(command, arguments);

    /// <summary>Stops both addons as the host stops: done in reverse order.</summary>
    public Task DoneAsync() => Host.DisposeAsync().AsTask();

    public int PersistedCount() => Persisted.Sum(p => p.FlowIds.Count);
}
