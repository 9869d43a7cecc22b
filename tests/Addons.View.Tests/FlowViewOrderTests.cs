using Addons.Abstractions.Flows;
using Addons.Abstractions.View;
using Addons.Host.Filters;

namespace Addons.View.Tests;

/// <summary>
/// The view against a plain reference (LINQ's stable sort on the key, then insertion) on enough flows to take the
/// parallel paths, with texts built to defeat the 16-character abbreviation: long shared prefixes, equal texts,
/// characters past U+00FE, NUL characters and texts that are prefixes of others.
/// </summary>
public sealed class FlowViewOrderTests
{
    private static readonly string[] Paths =
    [
        "/", "/a", "/a\0", "/a\0b", "/api/v1/items/", "/api/v1/items/1", "/api/v1/items/10", "/api/v1/items/1\u00fe",
        "/api/v1/items/1\u00ff", "/api/v1/items/1\u0100", "/api/v1/items/1\u4e00x", "/api/v1/items/1\u4e00y", "/\u00fd", "/\u00fe", "/\uffff",
        Long(40, "1"), Long(40, "2"), Long(40, ""), Long(60, "a"), Long(60, "b"), Long(30, "\u0100a"), Long(30, "\u0100b"), Long(30, "\u00ff"),
    ];

    // The last two differ at a character the abbreviation cuts off, and the rest of their URLs order the other way.
    private static readonly string[] Hosts = ["host0.example", "host1.example", "host2.example", "\u00fez.example", "\u00ffa.example", "::1", "fe80::2"];

    [TestCase("url")]
    [TestCase("method")]
    [TestCase("time")]
    [TestCase("size")]
    public void EveryOrderMatchesAStableSortOnTheKey(string name)
    {
        var order = OrderKey.Find(name)!;
        var random = new Random(7);
        var flows = Enumerable.Range(0, 34_000).Select(_ => RandomFlow(random)).ToList();
        var view = new FlowView(_ => { });
        view.Add(flows);
        view.SetOrder(order);
        Assert.That(view.Flows, Is.EqualTo(Reference(flows, order)));

        // Added, updated and removed one by one under the order, the view stays where a full sort puts it.
        var more = Enumerable.Range(0, 500).Select(_ => RandomFlow(random)).ToList();
        view.Add(more);
        flows.AddRange(more);
        foreach (var flow in flows.Where((_, i) => i % 97 == 0).ToList())
        {
            flow.Request.Path = Paths[random.Next(Paths.Length)] + random.Next(3);
            flow.Request.Method = random.Next(2) == 0 ? "get" : "Delete";
            flow.Request.Content = new byte[random.Next(4)];
            view.Update([flow]);
        }

        var removed = flows.Where((_, i) => i % 2 == 1).ToList();
        view.Remove(removed);
        flows = [.. flows.Except(removed)];
        Assert.That(view.Flows, Is.EqualTo(Reference(flows, order)));
        Assert.That(view.StoreFlows, Is.EqualTo(flows), "the store keeps insertion order after compaction");

        // Sorting again from scratch agrees with the incremental result.
        view.SetOrder(OrderKey.Time);
        view.SetOrder(order);
        Assert.That(view.Flows, Is.EqualTo(Reference(flows, order)));
    }

    [Test]
    public void AFilterOverManyFlowsKeepsTheOrderAndTheFocus()
    {
        var random = new Random(3);
        var flows = Enumerable.Range(0, 34_000).Select(_ => RandomFlow(random)).ToList();
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        view.Add(flows);
        view.SetOrder(OrderKey.Url);
        view.Focus(flows[1]);

        var filter = FlowFilter.Parse("~m ^POST$");
        view.SetFilter(filter);

        var expected = Reference(flows, OrderKey.Url).Where(filter.Matches).ToList();
        Assert.That(view.Flows, Is.EqualTo(expected));
        Assert.That(view.FocusedFlow, Is.Not.Null);
        Assert.That(((HttpFlow)view.FocusedFlow!).Request.Method, Is.EqualTo("POST"));
        Assert.That(messages.OfType<ViewFocusChanged>().Last().Flow, Is.SameAs(view.FocusedFlow));
    }

    [Test]
    public void ClearUnmarkedKeepsTheMarkedFlowsInOrder()
    {
        var random = new Random(5);
        var flows = Enumerable.Range(0, 5_000).Select(_ => RandomFlow(random)).ToList();
        foreach (var flow in flows.Where((_, i) => i % 3 == 0))
        {
            flow.Marked = ":default:";
        }

        var view = new FlowView(_ => { });
        view.Add(flows);
        view.SetOrder(OrderKey.Url);
        view.ClearUnmarked();

        var marked = flows.Where(f => f.Marked.Length > 0).ToList();
        Assert.That(view.StoreFlows, Is.EqualTo(marked));
        Assert.That(view.Flows, Is.EqualTo(Reference(marked, OrderKey.Url)));
        Assert.That(view.Get(marked[^1].Id), Is.SameAs(marked[^1]), "ids still find their flows after renumbering");
    }

    [Test]
    public void UrlsLongerThanTheSortsScratchSpaceAreKeptWhole()
    {
        // Texts over 256 characters do not fit where the sort writes each key before keeping it; some chunks start
        // with one, before any shorter text was kept.
        var random = new Random(11);
        var flows = Enumerable.Range(0, 34_000).Select(i =>
        {
            var flow = RandomFlow(random);
            if (i % 7 == 0 || i % ChunkStart == 0)
            {
                flow.Request.Path = Long(random.Next(250, 5000), random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return (Flow)flow;
        }).ToList();
        var view = new FlowView(_ => { });
        view.Add(flows);
        view.SetOrder(OrderKey.Url);
        Assert.That(view.Flows, Is.EqualTo(Reference(flows, OrderKey.Url)));

        var more = Enumerable.Range(0, 300).Select(_ => RandomFlow(random)).ToList();
        foreach (var flow in more.Where((_, i) => i % 2 == 0))
        {
            flow.Request.Path = Long(random.Next(250, 600), "");
        }

        view.Add(more);
        flows.AddRange(more);
        Assert.That(view.Flows, Is.EqualTo(Reference(flows, OrderKey.Url)));
    }

    /// <summary>The sort's chunk size: every chunk's first flow.</summary>
    private const int ChunkStart = 16 * 1024;

    /// <summary>A path whose URL shares its first 48 characters with others and differs after them.</summary>
    private static string Long(int length, string end) => "/" + new string('x', length) + end;

    internal static List<Flow> Reference(IEnumerable<Flow> flows, OrderKey order) =>
        order.IsText
            ? [.. flows.Select((f, i) => (f, i)).OrderBy(p => order.TextOf(p.f), StringComparer.Ordinal).ThenBy(p => p.i).Select(p => p.f)]
            : [.. flows.Select((f, i) => (f, i)).OrderBy(p => order.NumberOf(p.f)).ThenBy(p => p.i).Select(p => p.f)];

    internal static HttpFlow RandomFlow(Random random)
    {
        var flow = ViewHarness.T(method: random.Next(3) switch { 0 => "get", 1 => "POST", _ => "put" }, created: random.Next(50));
        flow.Request.Host = Hosts[random.Next(Hosts.Length)];
        (flow.Request.Scheme, flow.Request.Port) = random.Next(4) switch { 0 => ("http", 80), 1 => ("https", 443), 2 => ("https", 8443), _ => ("http", 22) };
        flow.Request.Path = Paths[random.Next(Paths.Length)] + (random.Next(4) == 0 ? "" : random.Next(20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        flow.Request.Content = new byte[random.Next(5)];
        return flow;
    }
}
