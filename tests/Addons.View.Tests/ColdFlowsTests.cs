using Addons.Abstractions.Flows;

namespace Addons.View.Tests;

/// <summary>
/// The view's compact store of cold flows: whatever summary goes in comes out equal, however many there are, after
/// slots are replaced, emptied and compacted.
/// </summary>
public sealed class ColdFlowsTests
{
    [Test]
    public void ASummaryComesBackEqualWithEveryKindOfText()
    {
        var summaries = new[]
        {
            Summary(),
            Summary() with { PrettyHost = null, Host = "", Method = "", Marked = "", Url = "", PrettyUrl = "" },
            Summary() with { PrettyUrl = "https://other.example/", PrettyHost = "other.example" },
            Summary() with { Url = "https://bücher.example/straße?q=日本語&e=😀", PrettyUrl = "https://bücher.example/straße?q=日本語&e=😀", Host = "bücher.example", PrettyHost = "bücher.example" },
            Summary() with { Url = "https://example.com/" + new string('a', 200_000), PrettyUrl = "https://example.com/" + new string('b', 3_000_000) },
            Summary() with { Url = "https://example.com/\ud800lone", Host = "h\udc00", PrettyHost = "\ud83d" },
            Summary() with { Method = "M" + new string('x', 1_000), Marked = ":" + new string('y', 300) + ":" },
            Summary() with { StatusCode = null, HasError = true, Size = long.MaxValue, Type = FlowType.Dns },
            Summary() with { StatusCode = int.MinValue, Size = -1, Type = FlowType.Udp },
            Summary() with { StatusCode = 70_000 },
            Summary() with { StatusCode = short.MinValue },
            Summary() with { TimestampCreated = new DateTimeOffset(2024, 2, 29, 23, 59, 59, 999, TimeSpan.FromHours(-9.5)) },
            Summary() with { TimestampCreated = DateTimeOffset.MinValue },
            Summary() with { TimestampCreated = DateTimeOffset.MaxValue },
        };
        var cold = new ColdFlows();
        for (var slot = 0; slot < summaries.Length; slot++)
        {
            cold.Set(slot, summaries[slot], (byte)slot);
        }

        Assert.Multiple(() =>
        {
            for (var slot = 0; slot < summaries.Length; slot++)
            {
                Assert.That(cold.Get(slot), Is.EqualTo(summaries[slot]), $"slot {slot}");
                Assert.That(cold.Get(slot).TimestampCreated.Offset, Is.EqualTo(summaries[slot].TimestampCreated.Offset), $"slot {slot}: the offset too");
                Assert.That(cold.TryGet(slot), Is.EqualTo(summaries[slot]), $"slot {slot}");
                Assert.That(cold.IdOf(slot), Is.EqualTo(summaries[slot].Id));
                Assert.That(cold.ArchiveOf(slot), Is.EqualTo((byte)slot));
                Assert.That(cold.IsMarked(slot), Is.EqualTo(summaries[slot].Marked.Length > 0));
                Assert.That(cold.UtcTicksOf(slot), Is.EqualTo(summaries[slot].TimestampCreated.UtcTicks));
                Assert.That(cold.SizeOf(slot), Is.EqualTo(summaries[slot].Size));
            }

            Assert.That(cold.Count, Is.EqualTo(summaries.Length));
        });
    }

    [Test]
    public void AUrlIsWrittenAsItsTextOrTheRoomItNeeds()
    {
        var cold = new ColdFlows();
        var url = "https://bücher.example/straße?e=😀";
        cold.Set(0, Summary() with { Url = url }, 0);
        cold.Set(1, Summary() with { Url = "http://h/\ud800" }, 0);
        var room = new char[64];

        Assert.Multiple(() =>
        {
            Assert.That(cold.WriteUrl(0, room[..10]), Is.EqualTo(-url.Length));
            Assert.That(new string(room, 0, cold.WriteUrl(0, room)), Is.EqualTo(url));
            Assert.That(new string(room, 0, cold.WriteUrl(1, room)), Is.EqualTo("http://h/\ud800"));
        });
    }

    [Test]
    public void ManySummariesAcrossChunksOfRowsAndTextsComeBackEqual()
    {
        // 40,000 rows span three chunks of rows, and about 4 MB of URLs several chunks of text.
        var summaries = Enumerable.Range(0, 40_000).Select(i => Summary() with
        {
            Url = $"https://host{i % 97}.example/{new string((char)('a' + (i % 26)), i % 200)}/{i}",
            PrettyUrl = $"https://host{i % 97}.example/{new string((char)('a' + (i % 26)), i % 200)}/{i}",
            Host = $"host{i % 97}.example",
            PrettyHost = i % 3 == 0 ? null : $"host{i % 97}.example",
            Method = i % 2 == 0 ? "GET" : "POST",
            Size = i,
        }).ToList();
        var cold = new ColdFlows();
        for (var slot = 0; slot < summaries.Count; slot++)
        {
            cold.Set(slot, summaries[slot], 0);
        }

        Assert.That(Enumerable.Range(0, summaries.Count).Select(cold.Get), Is.EqualTo(summaries));
    }

    [Test]
    public void AReplacedOrEmptiedSlotGivesItsNewSummaryOrNone()
    {
        var cold = new ColdFlows();
        var first = Summary();
        var second = Summary() with { Url = "https://example.com/changed", Marked = ":star:" };
        cold.Set(3, first, 1);
        cold.Set(3, second, 2);
        cold.Set(4, first, 1);
        cold.Remove(4);
        cold.Remove(5);

        Assert.Multiple(() =>
        {
            Assert.That(cold.Get(3), Is.EqualTo(second));
            Assert.That(cold.ArchiveOf(3), Is.EqualTo(2));
            Assert.That(cold.Contains(4), Is.False);
            Assert.That(cold.TryGet(4), Is.Null);
            Assert.That(cold.Contains(5), Is.False);
            Assert.That(cold.Contains(1_000_000), Is.False, "a slot past every chunk");
            Assert.That(cold.TryGet(1_000_000), Is.Null);
            Assert.That(cold.Count, Is.EqualTo(1));
            Assert.Throws<InvalidOperationException>(() => cold.Get(4));
        });
    }

    [Test]
    public void CompactingMovesSlotsDownAndDropsTheGarbageOfReplacedTexts()
    {
        var cold = new ColdFlows();
        var summaries = Enumerable.Range(0, 40_000).Select(i => Summary() with { Url = $"https://example.com/{new string('x', 100)}/{i}" }).ToList();
        for (var slot = 0; slot < summaries.Count; slot++)
        {
            cold.Set(slot, summaries[slot], (byte)(slot % 3));
        }

        // Every slot replaced once (its first text is garbage), then three in four emptied.
        for (var slot = 0; slot < summaries.Count; slot++)
        {
            cold.Set(slot, summaries[slot] with { Marked = "m" }, (byte)(slot % 3));
        }

        var map = new int[summaries.Count];
        var next = 0;
        for (var slot = 0; slot < summaries.Count; slot++)
        {
            if (slot % 4 == 0)
            {
                map[slot] = next++;
            }
            else
            {
                cold.Remove(slot);
                map[slot] = -1;
            }
        }

        var before = cold.Bytes;
        cold.Compact(map, next);

        Assert.Multiple(() =>
        {
            Assert.That(cold.Count, Is.EqualTo(next));
            Assert.That(Enumerable.Range(0, next).Select(cold.Get), Is.EqualTo(summaries.Where((_, i) => i % 4 == 0).Select(s => s with { Marked = "m" })));
            Assert.That(Enumerable.Range(0, next).Select(cold.ArchiveOf), Is.EqualTo(Enumerable.Range(0, summaries.Count).Where(i => i % 4 == 0).Select(i => (byte)(i % 3))));
            Assert.That(cold.Contains(next), Is.False, "slots past the last moved one are empty");
            Assert.That(cold.Bytes, Is.LessThan(before / 2), "rows past the end and replaced texts are let go");
        });
    }

    private static FlowSummary Summary() => new()
    {
        Id = Guid.NewGuid(),
        Type = FlowType.Http,
        TimestampCreated = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
        Method = "GET",
        Url = "https://example.com:8443/path?q=1",
        PrettyUrl = "https://example.com:8443/path?q=1",
        Host = "example.com",
        PrettyHost = "example.com",
        StatusCode = 200,
        HasError = false,
        Size = 1234,
        Marked = "",
    };
}
