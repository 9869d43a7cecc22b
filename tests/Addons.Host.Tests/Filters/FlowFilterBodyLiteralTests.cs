using System.Text;
using System.Text.RegularExpressions;
using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// <c>~b</c> with a plain literal searches the body's bytes directly; it must find exactly what the regex over the
/// body read as Latin-1 finds, at every position, including across the 32-byte blocks the search reads at a time.
/// </summary>
public sealed class FlowFilterBodyLiteralTests
{
    // Letters of both cases and the bytes that folding with 0x20 could confuse with them: @ ` [ { and two non-ASCII.
    private static readonly byte[] Alphabet = "aAsSzZ@`[{0 -_"u8.ToArray().Concat(new byte[] { 0xD3, 0xF3 }).ToArray();

    [Test]
    public void ALiteralMatchesWhereTheRegexMatches()
    {
        var random = new Random(11);
        for (var round = 0; round < 3000; round++)
        {
            var body = new byte[random.Next(0, 100)];
            for (var i = 0; i < body.Length; i++)
            {
                body[i] = Alphabet[random.Next(Alphabet.Length)];
            }

            var literal = new string([.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => (char)"aAsSzZ@`[{0-_"[random.Next(13)])]);
            var expected = Regex.IsMatch(Encoding.Latin1.GetString(body), Regex.Escape(literal), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            var filter = FlowFilter.Parse("~b '" + literal.Replace("[", "\\\\[", StringComparison.Ordinal).Replace("{", "\\\\{", StringComparison.Ordinal) + "'");

            Assert.That(filter.Matches(FlowWithBody(body)), Is.EqualTo(expected), $"~b {literal} on [{Convert.ToHexString(body)}]");
        }
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(63)]
    [TestCase(4090)]
    public void ALiteralIsFoundAtAnyOffset(int offset)
    {
        var body = Enumerable.Repeat((byte)'x', 4096).ToArray();
        "SeCreT"u8.CopyTo(body.AsSpan(offset));

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~b secret").Matches(FlowWithBody(body)), Is.True);
            Assert.That(FlowFilter.Parse("~b secrets").Matches(FlowWithBody(body)), Is.False);
            Assert.That(FlowFilter.Parse("~b 'xsecret'").Matches(FlowWithBody(body)), Is.EqualTo(offset > 0));
        });
    }

    [Test]
    public void ALiteralLongerThanTheBodyDoesNotMatch() =>
        Assert.That(FlowFilter.Parse("~b secret").Matches(FlowWithBody("secre"u8.ToArray())), Is.False);

    private static HttpFlow FlowWithBody(byte[] body) => new()
    {
        Request = new HttpRequest
        {
            Method = "POST",
            Scheme = "http",
            Host = "example.com",
            Port = 80,
            Path = "/",
            Headers = new HttpHeaders(("Host", "example.com")),
            Content = body,
        },
    };
}
