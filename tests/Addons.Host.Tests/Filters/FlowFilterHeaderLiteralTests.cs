using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// <c>~h</c> with a plain literal searches each header name and value where it lies instead of the header block; it
/// must say what the regex over the block says, including for literals near the block's <c>: </c> and CRLF joints.
/// </summary>
public sealed class FlowFilterHeaderLiteralTests
{
    private const string Alphabet = "aAxX-dD:; 1\u00e9\u00ff";

    [Test]
    public void ALiteralMatchesTheHeadersWhereTheBlockRegexMatches()
    {
        var random = new Random(19);
        for (var round = 0; round < 3000; round++)
        {
            var flow = new HttpFlow { Request = new HttpRequest { Headers = [] } };
            for (var i = random.Next(0, 4); i > 0; i--)
            {
                flow.Request.Headers.Add(Text(random, 1, 5), Text(random, 0, 6));
            }

            var literal = Text(random, 1, 4).Replace(";", "", StringComparison.Ordinal).Replace("\u00e9", "", StringComparison.Ordinal).Replace("\u00ff", "", StringComparison.Ordinal);
            if (literal.Trim().Length == 0)
            {
                continue;
            }

            // The same text as a regex that is not a plain literal takes the block path.
            var direct = FlowFilter.Parse("~h '" + literal + "'");
            var throughBlock = FlowFilter.Parse("~h '(?:" + literal + ")'");

            Assert.That(direct.Matches(flow), Is.EqualTo(throughBlock.Matches(flow)),
                $"~h '{literal}' on [{string.Join(" | ", flow.Request.Headers.Select(h => h.Name + ": " + h.Value))}]");
        }
    }

    private static string Text(Random random, int min, int max) =>
        new([.. Enumerable.Range(0, random.Next(min, max)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
}
