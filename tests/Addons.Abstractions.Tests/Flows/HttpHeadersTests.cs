using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Tests.Flows;

public sealed class HttpHeadersTests
{
    [Test]
    public void OrderCaseAndDuplicatesAreKept()
    {
        var headers = new HttpHeaders(("Set-Cookie", "a=1"), ("content-TYPE", "text/html"), ("Set-Cookie", "b=2"));

        Assert.That(headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "Set-Cookie: a=1", "content-TYPE: text/html", "Set-Cookie: b=2" }));
        Assert.That(headers.GetAll("set-cookie"), Is.EqualTo(new[] { "a=1", "b=2" }));
        Assert.That(headers["Content-Type"], Is.EqualTo("text/html"));
        Assert.That(headers["SET-COOKIE"], Is.EqualTo("a=1, b=2"));
        Assert.That(headers["X-Missing"], Is.Null);
    }

    [Test]
    public void SetReplacesEveryFieldOfTheNameAtThePositionOfTheFirst()
    {
        var headers = new HttpHeaders(("A", "1"), ("X", "old"), ("B", "2"), ("x", "older"));

        headers.Set("x", "new");

        Assert.That(headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "A: 1", "X: new", "B: 2" }), "the original name's case stays");
    }

    [Test]
    public void SettingNullRemovesAndRemoveCounts()
    {
        var headers = new HttpHeaders(("A", "1"), ("a", "2"), ("B", "3"));

        Assert.That(headers.Remove("A"), Is.EqualTo(2));
        headers["B"] = null;

        Assert.That(headers, Is.Empty);
    }

    [Test]
    public void NonUtf8BytesSurviveAsLatin1()
    {
        var raw = new byte[] { 0xff, 0xfe, 0x80, (byte)'a' };
        var headers = new HttpHeaders(("X-Bin", Encoding.Latin1.GetString(raw)));

        Assert.That(Encoding.Latin1.GetBytes(headers["x-bin"]!), Is.EqualTo(raw));
    }

    [Test]
    public void Utf8ValuesCanBeDecoded()
    {
        var headers = new HttpHeaders(("X-Name", Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Grüße"))));

        Assert.That(headers.GetUtf8("x-name"), Is.EqualTo("Grüße"));
    }

    [Test]
    public void CloneIsIndependent()
    {
        var headers = new HttpHeaders(("A", "1"));
        var copy = headers.Clone();

        copy.Add("B", "2");

        Assert.That(headers, Has.Count.EqualTo(1));
    }
}
