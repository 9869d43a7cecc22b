using System.Diagnostics.Metrics;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Addons.Host.Tests.Chain;

public sealed class HookFailureLogTests
{
    private const string Summary = "Addon 'thrower' failed {0} times in hook 'request' in the last {1} s; last: InvalidOperationException: thrower failed in request";

    [Test]
    public async Task AnAddonFailingOnEveryFlowIsLoggedInFullFiveTimesThenSummedUpEveryPeriod()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync([TestHost.Entry("Thrower", TestPaths.TestPlugin("Thrower"), 1)], services => services.AddSingleton<TimeProvider>(time));
        using var metrics = new MeterCapture(host.Services.GetRequiredService<IMeterFactory>());

        await RequestsAsync(host, 1_000);

        var inFull = RequestFailures(host);
        Assert.That(inFull, Has.Count.EqualTo(HookFailureLog.LoggedInFull));
        Assert.That(inFull.Select(l => l.Exception), Is.All.Not.Null, "the first ones come with their stack trace");
        Assert.That(metrics.Sum("addons.hook.errors", ("addon", "thrower"), ("hook", "request")), Is.EqualTo(1_000), "every failure is counted");

        // The failures have stopped: the timer tells the rest at the end of the period all the same, once.
        time.Advance(HookFailureLog.Period);
        time.Advance(HookFailureLog.Period);

        var lines = RequestFailures(host);
        Assert.That(lines, Has.Count.EqualTo(HookFailureLog.LoggedInFull + 1));
        Assert.That(lines[^1].Message, Is.EqualTo(string.Format(System.Globalization.CultureInfo.InvariantCulture, Summary, "1,000", 10)));
        Assert.That(lines[^1].Exception, Is.Null);

        // Later failures go straight into the summary, which done writes if the period has not ended.
        await RequestsAsync(host, 3);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.That(RequestFailures(host), Has.Count.EqualTo(HookFailureLog.LoggedInFull + 1));
        await host.StopAsync();

        Assert.That(RequestFailures(host).Select(l => l.Message).Last(), Is.EqualTo(string.Format(System.Globalization.CultureInfo.InvariantCulture, Summary, 3, 4)));
    }

    private static async Task RequestsAsync(TestHost host, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var flow = FlowLifecycle.NewFlow($"http://example.com/{i}");
            await host.Chain.InvokeAsync(Hook.Request, new HttpFlowContext(flow, CancellationToken.None), flow);
        }
    }

    private static List<LogLine> RequestFailures(TestHost host) =>
        [.. host.Logs.Errors.Where(l => l.Message.StartsWith("Addon 'thrower' failed", StringComparison.Ordinal) && l.Message.Contains("'request'", StringComparison.Ordinal))];
}
