using Addons.Session.Fleet;

namespace Addons.Session.Tests.Fleet;

/// <summary>What of a filter goes to SQL: only what SQL decides exactly or as a superset, so the filter itself still decides.</summary>
public sealed class FleetQueryTests
{
    [TestCase("~c 404 ~m POST", new[] { "status = @p0", "method ILIKE @p1" })]
    [TestCase("~e & ~marked ~s", new[] { "error", "marker <> ''", "status IS NOT NULL" })]
    [TestCase("~d api.example /v1", new[] { "(host ILIKE @p0 OR pretty_host ILIKE @p0)", "COALESCE(pretty_url, url) ILIKE @p1" })]
    [TestCase("~q ~h x-debug ~c 500", new[] { "status IS NULL" })]
    [TestCase("~c 404 | ~c 500", new string[0])]
    [TestCase("!~c 404", new string[0])]
    [TestCase("~u \"a b\"", new string[0])]
    [TestCase("~u (api|www)", new string[0])]
    [TestCase("~u id=\\d+", new string[0])]
    public void OnlyTheTermsSqlDecidesAreConditions(string pattern, string[] conditions)
    {
        Assert.That(FleetQuery.For(pattern).Conditions, Is.EqualTo(conditions));
    }

    [TestCase("api", "api")]
    [TestCase("www\\.example\\.com", "www.example.com")]
    [TestCase("Kiosk", "_io__")]
    [TestCase("a.b", "a%b")]
    [TestCase("50%_off", "50\\%\\_off")]
    [TestCase("/v1/items", "/v1/item_")]
    [TestCase("caf\u00e9", null)]
    [TestCase("a+", null)]
    [TestCase("^/api", null)]
    public void ARegexBecomesALikePatternOnlyWhenItIsPlainText(string regex, string? like)
    {
        // k and s stand for any character: a case-insensitive .NET regex also matches them with the Kelvin sign and the long s.
        Assert.That(FleetQuery.Literal(regex), Is.EqualTo(like));
    }

    [Test]
    public void TheTimeRangeAndTheHostsAreConditionsWithoutAFilter()
    {
        var query = FleetQuery.For(null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), ["a", "b"]);
        Assert.That(query.Conditions, Is.EqualTo(new[] { "created_at >= @p0", "created_at < @p1", "host_id = ANY(@p2)" }));
        Assert.That(query.PushedDown, Is.Zero);
    }
}
