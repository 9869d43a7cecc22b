using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// A cold flow is filtered on its <see cref="FlowSummary"/>: whatever the summary decides must be what the filter says
/// of the flow itself, and the operators the summary holds the fields of must be decided.
/// </summary>
public sealed class FlowFilterSummaryTests
{
    private static readonly string[] Expressions =
    [
        "~all", "~q", "~s", "~e", "~marked", "~marker default", "~marker other", "~http", "~tcp", "~udp", "~dns",
        "~m GET", "~m ^post$", "~u /api", "~u example.com/api/users", "~u :8443", "users", "'example\\.com'", "~d example",
        "~d reverse", "~d origin.internal", "~d ::1", "~c 200", "~c 404", "~websocket", "~replay", "~replayq", "~replays",
        "~a", "~h host", "~hq accept", "~hs content-type", "~b secret", "~bq x", "~bs y", "~t json", "~tq text", "~ts html",
        "~src 127", "~dst 10", "~meta key", "~comment note",
        "~m GET & ~u /api", "~c 404 | ~h x-debug", "~c 200 | ~h host", "!~q", "!(~h x)", "~q & ~h host", "~s & ~h host",
        "!~s | ~b secret", "~marked ~u api", "(~m GET | ~m POST) & !~e",
    ];

    // The operators a summary holds everything for.
    private static readonly string[] Decided =
    [
        "~all", "~q", "~s", "~e", "~marked", "~marker default", "~http", "~tcp", "~m GET", "~u /api", "users", "~d example",
        "~c 404", "~m GET & ~u /api", "!~q", "~marked ~u api", "(~m GET | ~m POST) & !~e",
    ];

    [Test]
    public void TheSummaryNeverDecidesOtherwiseThanTheFlow()
    {
        foreach (var kind in Enum.GetValues<FlowKind>())
        {
            var flow = TestFlows.Make(kind);
            var summary = FlowSummary.Of(flow);
            foreach (var expression in Expressions)
            {
                var filter = FlowFilter.Parse(expression);
                var decided = filter.MatchesSummary(summary);
                if (decided is { } value)
                {
                    Assert.That(value, Is.EqualTo(filter.Matches(flow)), $"{expression} on a {kind} flow");
                }
            }
        }
    }

    [Test]
    public void TheSummaryDecidesTheOperatorsItHoldsTheFieldsOf()
    {
        foreach (var kind in Enum.GetValues<FlowKind>())
        {
            var summary = FlowSummary.Of(TestFlows.Make(kind));
            foreach (var expression in Decided)
            {
                Assert.That(FlowFilter.Parse(expression).MatchesSummary(summary), Is.Not.Null, $"{expression} on a {kind} flow");
            }
        }
    }

    [Test]
    public void AnUndecidedSideLeavesTheResultOpenOnlyWhenItCouldChangeIt()
    {
        var notFound = TestFlows.WithResponse();
        notFound.Response!.StatusCode = 404;
        var ok = TestFlows.WithResponse();
        ok.Response!.StatusCode = 200;
        var filter = FlowFilter.Parse("~c 404 | ~h x-debug");
        var conjunction = FlowFilter.Parse("~c 404 & ~h x-debug");

        Assert.Multiple(() =>
        {
            Assert.That(filter.MatchesSummary(FlowSummary.Of(notFound)), Is.True);
            Assert.That(filter.MatchesSummary(FlowSummary.Of(ok)), Is.Null);
            Assert.That(conjunction.MatchesSummary(FlowSummary.Of(ok)), Is.False);
            Assert.That(conjunction.MatchesSummary(FlowSummary.Of(notFound)), Is.Null);
            Assert.That(FlowFilter.Parse("~b secret").MatchesSummary(FlowSummary.Of(ok)), Is.Null);
        });
    }

    [Test]
    public void TheUrlAndDomainOperatorsSeeTheHostTheClientNamed()
    {
        // The request went to 10.0.0.5:9000, but the client asked for shop.example:8080 (its Host header).
        var flow = TestFlows.ReverseProxied();
        var summary = FlowSummary.Of(flow);

        Assert.Multiple(() =>
        {
            Assert.That(summary.PrettyUrl, Is.Not.EqualTo(summary.Url));
            Assert.That(summary.PrettyHost, Is.EqualTo("shop.example"));
            foreach (var expression in new[] { "~d 10.0.0.5", "~u 10.0.0.5", "~u :9000", "~d shop", "~u shop.example:8080/cart" })
            {
                var filter = FlowFilter.Parse(expression);
                Assert.That(filter.MatchesSummary(summary), Is.EqualTo(filter.Matches(flow)), expression);
            }
        });
    }

    [Test]
    public void TwoSummariesOfTheSameStateAreEqualAndAChangeShows()
    {
        var flow = TestFlows.WithResponse();
        var before = FlowSummary.Of(flow);

        Assert.That(FlowSummary.Of(flow), Is.EqualTo(before));
        flow.Marked = ":default:";
        Assert.That(FlowSummary.Of(flow), Is.Not.EqualTo(before));
    }
}
