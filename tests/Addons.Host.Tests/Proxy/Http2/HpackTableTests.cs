using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using static Addons.Host.Tests.Proxy.Http2.HpackTestData;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class HpackTableTests
{
    [Test]
    public void TheStaticTableIsAppendixA()
    {
        Assert.That(HpackStaticTable.Count, Is.EqualTo(61));
        Assert.That(HpackStaticTable.Get(1), Is.EqualTo(new HeaderField(":authority", "")));
        Assert.That(HpackStaticTable.Get(16), Is.EqualTo(new HeaderField("accept-encoding", "gzip, deflate")));
        Assert.That(HpackStaticTable.Get(32), Is.EqualTo(new HeaderField("cookie", "")));
        Assert.That(HpackStaticTable.Get(55), Is.EqualTo(new HeaderField("set-cookie", "")));
        Assert.That(HpackStaticTable.Get(61), Is.EqualTo(new HeaderField("www-authenticate", "")));
    }

    [Test]
    public void TheStaticTableHasAppendixAsNamesInOrder()
    {
        // Transcribed separately from the table itself, so a swapped or mistyped entry shows.
        const string names =
            ":authority :method :method :path :path :scheme :scheme :status :status :status :status :status :status " +
            ":status accept-charset accept-encoding accept-language accept-ranges accept access-control-allow-origin age " +
            "allow authorization cache-control content-disposition content-encoding content-language content-length " +
            "content-location content-range content-type cookie date etag expect expires from host if-match " +
            "if-modified-since if-none-match if-range if-unmodified-since last-modified link location max-forwards " +
            "proxy-authenticate proxy-authorization range referer refresh retry-after server set-cookie " +
            "strict-transport-security transfer-encoding user-agent vary via www-authenticate";
        var actual = Enumerable.Range(1, HpackStaticTable.Count).Select(i => HpackStaticTable.Get(i));
        Assert.That(string.Join(' ', actual.Select(f => f.Name)), Is.EqualTo(names));
        Assert.That(actual.Where(f => f.Value.Length > 0).Select(f => f.Value),
            Is.EqualTo(new[] { "GET", "POST", "/", "/index.html", "http", "https", "200", "204", "206", "304", "400", "404", "500", "gzip, deflate" }));
    }

    [Test]
    public void TheStaticLookupsFindEveryEntry()
    {
        for (var index = 1; index <= HpackStaticTable.Count; index++)
        {
            var entry = HpackStaticTable.Get(index);
            Assert.That(HpackStaticTable.FindExact(entry.Name, entry.Value), Is.EqualTo(index), entry.ToString());
            var nameIndex = HpackStaticTable.FindName(entry.Name);
            Assert.That(nameIndex, Is.LessThanOrEqualTo(index));
            Assert.That(HpackStaticTable.Get(nameIndex).Name, Is.EqualTo(entry.Name));
        }

        Assert.That(HpackStaticTable.FindName(":status"), Is.EqualTo(8));
        Assert.That(HpackStaticTable.FindExact(":status", "201"), Is.Zero);
        Assert.That(HpackStaticTable.FindExact(":status", ""), Is.Zero);
        Assert.That(HpackStaticTable.FindExact("age", "5"), Is.Zero);
        Assert.That(HpackStaticTable.FindName("Age"), Is.Zero, "names match exactly; the caller lowercases");
        Assert.That(HpackStaticTable.FindName("x-custom"), Is.Zero);
    }

    [Test]
    public void TheDynamicTableEvictsTheOldestAcrossTheRingsWrap()
    {
        // Entries of 33 octets ("a" to "z" with empty values) in 100 octets: three fit.
        var table = new HpackDynamicTable(100);
        for (var c = 'a'; c <= 'z'; c++)
        {
            table.Add(new HeaderField(c.ToString(), ""));
            Assert.That(table.Count, Is.EqualTo(Math.Min(3, c - 'a' + 1)));
            Assert.That(table[0].Name, Is.EqualTo(c.ToString()), "newest first");
        }

        Assert.That(Lines(table), Is.EqualTo(new[] { "z: ", "y: ", "x: " }));
        Assert.That(table.Size, Is.EqualTo(99));
        Assert.That(table.Find("y", "", out var nameIndex), Is.EqualTo(1));
        Assert.That(nameIndex, Is.EqualTo(1));
        Assert.That(table.Find("y", "other", out nameIndex), Is.EqualTo(-1));
        Assert.That(nameIndex, Is.EqualTo(1));
        Assert.That(table.Find("a", "", out nameIndex), Is.EqualTo(-1), "evicted");
        Assert.That(nameIndex, Is.EqualTo(-1));
    }

    [Test]
    public void ALargerEntryEvictsAsManyAsItNeeds()
    {
        var table = new HpackDynamicTable(100);
        table.Add(new HeaderField("a", ""));
        table.Add(new HeaderField("b", ""));
        table.Add(new HeaderField("c", ""));
        table.Add(new HeaderField("dd", new string('v', 30)));
        Assert.That(Lines(table), Is.EqualTo(new[] { "dd: " + new string('v', 30), "c: " }));
        Assert.That(table.Size, Is.EqualTo(64 + 33));
    }

    [Test]
    public void AnEntryLargerThanTheTableEmptiesIt()
    {
        var table = new HpackDynamicTable(100);
        table.Add(new HeaderField("a", ""));
        table.Add(new HeaderField("big", new string('v', 66)));
        Assert.That((table.Count, table.Size), Is.EqualTo((0, 0)), "101 octets do not fit in 100");

        table.Add(new HeaderField("fits", new string('v', 64)));
        Assert.That((table.Count, table.Size), Is.EqualTo((1, 100)), "exactly the maximum fits");
    }

    [Test]
    public void LoweringTheMaximumEvicts()
    {
        var table = new HpackDynamicTable(4096);
        for (var i = 0; i < 10; i++)
        {
            table.Add(new HeaderField("n" + i, "v"));
        }

        table.SetMaxSize(70);
        Assert.That(Lines(table), Is.EqualTo(new[] { "n9: v", "n8: v" }));
        table.SetMaxSize(0);
        Assert.That((table.Count, table.Size), Is.EqualTo((0, 0)));
        table.SetMaxSize(4096);
        table.Add(new HeaderField("again", "v"));
        Assert.That(Lines(table), Is.EqualTo(new[] { "again: v" }));
    }
}
