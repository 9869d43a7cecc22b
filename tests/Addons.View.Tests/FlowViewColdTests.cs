using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;
using Addons.Host.Filters;

namespace Addons.View.Tests;

/// <summary>
/// Cold flows: kept by an archive, held by the view as summaries. The view with cold flows must show exactly what it
/// shows with every flow in memory, under every order and filter, and load a cold flow only when it is asked for.
/// </summary>
public sealed class FlowViewColdTests
{
    private static readonly string[] Filters =
    [
        "~m POST & ~u /api", "~c 404 | ~h x-debug", "~b secret", "~marked", "!~m get", "~d host1 | ~u :8443", "~h x-debug",
    ];

    [TestCase("time")]
    [TestCase("url")]
    [TestCase("method")]
    [TestCase("size")]
    public void AViewWithColdFlowsShowsWhatTheSameViewInMemoryShows(string orderName)
    {
        var order = OrderKey.Find(orderName)!;
        var random = new Random(17);
        var flows = Enumerable.Range(0, 3_000).Select(_ => Varied(random)).ToList();
        var hot = new FlowView(_ => { });
        var cold = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        hot.Add(flows);
        cold.Add(flows);

        // Two of three go cold; the rest stay in memory.
        cold.Archive(archive, archive.Store(flows.Where((_, i) => i % 3 != 0)));
        Assert.That(cold.ColdCount, Is.EqualTo(2_000));

        hot.SetOrder(order);
        cold.SetOrder(order);
        Assert.That(Ids(cold.Flows), Is.EqualTo(Ids(hot.Flows)), "no filter");
        foreach (var expression in Filters)
        {
            var filter = FlowFilter.Parse(expression);
            Assert.That(hot.SetFilter(filter), Is.Null, "nothing is left open in memory");
            SetFilter(cold, filter);
            Assert.That(Ids(cold.Flows), Is.EqualTo(Ids(hot.Flows)), expression);
            Assert.That(Ids(ViewAddon.LoadSelected(cold.SelectMatching(filter), filter)), Is.EqualTo(Ids(flows.Where(filter.Matches))), expression);
        }

        hot.SetMarkedOnly(true);
        Complete(cold, cold.SetMarkedOnly(true));
        Assert.That(Ids(cold.Flows), Is.EqualTo(Ids(hot.Flows)), "marked only");
        Assert.That(cold.ColdCount, Is.EqualTo(2_000), "reading the view does not bring cold flows back");
    }

    [Test]
    public void OnlyTheFlowsTheSummaryCannotDecideAreAskedOfTheArchive()
    {
        var random = new Random(5);
        var flows = Enumerable.Range(0, 200).Select(_ => Varied(random)).ToList();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.Archive(archive, archive.Store(flows));
        var loadsBefore = archive.Loads;

        Assert.That(view.SetFilter(FlowFilter.Parse("~m POST & ~u /api")), Is.Null, "method and URL are in the summary");
        Assert.That(archive.Loads, Is.EqualTo(loadsBefore), "no flow was loaded to filter");

        SetFilter(view, FlowFilter.Parse("~c 404 | ~h x-debug"));
        // The focused flow (the first) is loaded and decided at once; of the others, the 404s by their summaries.
        var undecided = flows.Skip(1).Count(f => f.Response?.StatusCode != 404);
        Assert.That(archive.Matches, Has.Count.EqualTo(1));
        Assert.That(archive.Matches[0], Has.Count.EqualTo(undecided), "the 404s are decided by the summary");
    }

    [Test]
    public void AFlowThatChangedSinceItWasStoredStaysInMemory()
    {
        var flows = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        var summaries = archive.Store(flows);
        flows[1].Marked = ":default:";
        flows[2].Live = true;

        view.Archive(archive, summaries);

        Assert.Multiple(() =>
        {
            Assert.That(view.ColdCount, Is.EqualTo(2));
            Assert.That(view.Get(flows[0].Id), Is.Not.SameAs(flows[0]), "the stored copy is loaded");
            Assert.That(view.Get(flows[1].Id), Is.SameAs(flows[1]), "changed after it was stored");
        });

        // A live flow that changes again comes back with the update that reports it.
        flows[2].Comment = "later";
        view.Update([flows[2]]);
        Assert.That(view.Get(flows[2].Id), Is.SameAs(flows[2]));
    }

    [Test]
    public void AColdFlowThatIsUpdatedComesBackIntoMemoryAndMoves()
    {
        var flows = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.SetFilter(FlowFilter.Parse("~marked"));
        view.Archive(archive, archive.Store(flows));

        var loaded = view.Get(flows[1].Id)!;
        loaded.Marked = ":default:";
        messages.Clear();
        view.Update([loaded]);

        Assert.Multiple(() =>
        {
            Assert.That(view.ColdCount, Is.EqualTo(2));
            Assert.That(view.Flows, Is.EqualTo(new[] { loaded }));
            Assert.That(messages.OfType<ViewFlowAdded>().Single().Flow, Is.SameAs(loaded));
        });
    }

    [Test]
    public void ColdFlowsNewToTheStoreArriveInOrderWithTheFocusOnTheFirst()
    {
        var flows = Enumerable.Range(0, 2_000).Select(i => ViewHarness.T(created: 2_000 - i)).ToList();
        var archive = new InMemoryArchive();
        var summaries = archive.Store(flows);
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        view.SetOrder(OrderKey.Url);
        view.SetOrder(OrderKey.Time);
        messages.Clear();

        view.AddCold(archive, summaries);

        Assert.Multiple(() =>
        {
            Assert.That(view.StoreCount, Is.EqualTo(2_000));
            Assert.That(Ids(view.Flows), Is.EqualTo(Ids(FlowViewOrderTests.Reference(flows, OrderKey.Time))));
            Assert.That(Ids(view.StoreFlows), Is.EqualTo(Ids(flows)), "insertion order");
            Assert.That(view.FocusedFlow!.Id, Is.EqualTo(flows[0].Id));
            Assert.That(messages.OfType<ViewFlowAdded>(), Is.Empty, "many flows are announced as one refresh");
            Assert.That(messages.OfType<ViewRefreshed>(), Has.Exactly(1).Items);
            Assert.That(messages.OfType<ViewFocusChanged>().Single().Flow!.Id, Is.EqualTo(flows[0].Id));
        });
    }

    [Test]
    public void AFewColdFlowsNewToTheStoreAreAnnouncedOneByOne()
    {
        var flows = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        var archive = new InMemoryArchive();
        var messages = new List<object>();
        var view = new FlowView(messages.Add) { FocusFollow = true };

        view.AddCold(archive, archive.Store(flows));

        Assert.Multiple(() =>
        {
            Assert.That(messages.OfType<ViewFlowAdded>().Select(m => (m.Flow.Id, m.Index)), Is.EqualTo(flows.Select((f, i) => (f.Id, i))));
            Assert.That(view.FocusedFlow!.Id, Is.EqualTo(flows[^1].Id), "focus follows the last one");
        });
    }

    [Test]
    public void AFlowRemovedBeforeItWasArchivedDoesNotComeBack()
    {
        var flows = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        var summaries = archive.Store(flows);
        view.Remove([flows[0]]);

        view.Archive(archive, summaries);

        Assert.Multiple(() =>
        {
            Assert.That(view.StoreCount, Is.EqualTo(2));
            Assert.That(view.ColdCount, Is.EqualTo(2));
            Assert.That(view.StoreContains(flows[0].Id), Is.False);
        });
    }

    [Test]
    public void ColdFlowsOfTwoArchivesAreLoadedAndMatchedEachByItsOwn()
    {
        // The session's own flows and a session file opened read-only beside them.
        var view = new FlowView(_ => { });
        var first = new InMemoryArchive();
        var second = new InMemoryArchive();
        var ours = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        var theirs = Enumerable.Range(3, 3).Select(i => ViewHarness.T("post", created: i)).ToList();
        view.AddCold(first, first.Store(ours));
        view.AddCold(second, second.Store(theirs));

        var before = (first.Loads, second.Loads);
        var loaded = view.Get(theirs[1].Id);
        var loads = (first.Loads - before.Item1, second.Loads - before.Item2);
        var query = view.SetFilter(FlowFilter.Parse("~h qvalue"))!;

        Assert.Multiple(() =>
        {
            Assert.That(view.StoreCount, Is.EqualTo(6));
            Assert.That(loaded!.Id, Is.EqualTo(theirs[1].Id));
            Assert.That(loads, Is.EqualTo((0, 1)), "a flow is loaded from the archive that holds it");
            Assert.That(query.Parts.Select(p => p.Archive), Is.EqualTo(new IFlowArchive[] { first, second }));
            Assert.That(query.Parts[1].Ids, Is.EquivalentTo(theirs.Select(f => f.Id).Where(id => id != view.FocusId)));
        });

        var matched = new HashSet<Guid>(query.Parts.SelectMany(p => p.Archive.Match(query.Filter, p.Ids)));
        view.Complete(query, matched);
        var resolved = ViewAddon.LoadSelected(view.SelectMatching(FlowFilter.Parse("~h qvalue & ~m post")), FlowFilter.Parse("~h qvalue & ~m post"));

        Assert.Multiple(() =>
        {
            Assert.That(view.Count, Is.EqualTo(6), "every flow of both archives has the header");
            Assert.That(resolved.Select(f => f.Id), Is.EqualTo(theirs.Select(f => f.Id)), "an undecided selector asks each archive about its own flows");
        });
    }

    [Test]
    public void PastTheLastArchiveAClosedOneWithoutFlowsGivesItsPlaceAndAnOpenOneIsRefused()
    {
        var view = new FlowView(_ => { });
        var archives = Enumerable.Range(0, FlowView.MaxArchives).Select(_ => new InMemoryArchive()).ToList();
        var flows = archives.Select(_ => ViewHarness.T()).ToList();
        for (var i = 0; i < archives.Count; i++)
        {
            view.AddCold(archives[i], archives[i].Store([flows[i]]));
        }

        var extra = new InMemoryArchive();
        var late = ViewHarness.T();
        Assert.That(() => view.AddCold(extra, extra.Store([late])), Throws.InvalidOperationException.With.Message.Contains("255 archives"));

        // The 8th archive closes and its one flow leaves the store: its place is free for the next archive.
        archives[7].IsOpen = false;
        view.Remove([flows[7]]);
        view.AddCold(extra, extra.Store([late]));
        var (extraLoads, eighthLoads) = (extra.Loads, archives[8].Loads);

        Assert.Multiple(() =>
        {
            Assert.That(view.StoreCount, Is.EqualTo(FlowView.MaxArchives));
            Assert.That(view.Get(late.Id)!.Id, Is.EqualTo(late.Id));
            Assert.That(extra.Loads - extraLoads, Is.EqualTo(1), "the new archive's flow is loaded from it");
            Assert.That(view.Get(flows[8].Id)!.Id, Is.EqualTo(flows[8].Id), "the others keep their archives");
            Assert.That(archives[8].Loads - eighthLoads, Is.EqualTo(1));
        });
    }

    [Test]
    public void RemovingAndClearingColdFlowsForgetsThem()
    {
        var flows = Enumerable.Range(0, 10).Select(i => ViewHarness.T(created: i)).ToList();
        flows[3].Marked = ":default:";
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.Archive(archive, archive.Store(flows));

        view.Remove([view.Get(flows[0].Id)!]);
        Assert.That(view.ColdCount, Is.EqualTo(9));
        view.ClearUnmarked();

        Assert.Multiple(() =>
        {
            Assert.That(view.ColdCount, Is.EqualTo(1));
            Assert.That(Ids(view.Flows), Is.EqualTo(new[] { flows[3].Id }));
        });
    }

    [Test]
    public void AColdFlowTheArchiveCannotLoadIsAnErrorNamingTheFlow()
    {
        var flow = ViewHarness.T();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add([flow]);
        view.Archive(archive, archive.Store([flow]));
        archive.IsOpen = false;

        Assert.That(() => view.Get(flow.Id), Throws.TypeOf<Abstractions.Storage.FlowArchiveException>().With.Message.Contains(flow.Id.ToString()));
    }

    [Test]
    public void UndecidedColdFlowsWaitOutsideTheViewUntilTheArchiveAnswers()
    {
        var flows = Enumerable.Range(0, 6).Select(i => ViewHarness.T(created: i)).ToList();
        flows[2].Request.Headers.Add("X-Debug", "1");
        flows[4].Request.Headers.Add("X-Debug", "1");
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.Archive(archive, archive.Store(flows));
        var filter = FlowFilter.Parse("~h x-debug");

        var query = view.SetFilter(filter)!;

        Assert.Multiple(() =>
        {
            Assert.That(query.Ids.ToList(), Has.Count.EqualTo(5), "all but the focused flow, which is decided at once");
            Assert.That(view.Count, Is.Zero);
            Assert.That(view.FocusedFlow, Is.Null, "the focused flow did not match, so the focus left");
        });

        messages.Clear();
        view.Complete(query, query.Parts.Single().Archive.Match(query.Filter, query.Parts.Single().Ids));

        Assert.Multiple(() =>
        {
            Assert.That(Ids(view.Flows), Is.EqualTo(new[] { flows[2].Id, flows[4].Id }));
            Assert.That(view.FocusedFlow!.Id, Is.EqualTo(flows[2].Id), "a view that had no focus focuses its first flow");
            Assert.That(messages.OfType<ViewRefreshed>(), Has.Exactly(1).Items);
        });
    }

    [Test]
    public void TheFocusedColdFlowIsDecidedAtOnceSoTheFocusStaysOnAFlowThatMatches()
    {
        var flows = Enumerable.Range(0, 4).Select(i => ViewHarness.T(created: i)).ToList();
        flows[2].Request.Headers.Add("X-Debug", "1");
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.Focus(flows[2]);
        view.Archive(archive, archive.Store(flows));

        var query = view.SetFilter(FlowFilter.Parse("~h x-debug"))!;

        Assert.That(view.FocusedFlow!.Id, Is.EqualTo(flows[2].Id));
        Assert.That(query.Ids, Does.Not.Contain(flows[2].Id));
    }

    [Test]
    public void AnAnswerToAnOlderFilterIsDropped()
    {
        var flows = Enumerable.Range(0, 4).Select(i => ViewHarness.T(created: i)).ToList();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);
        view.Archive(archive, archive.Store(flows));
        var older = view.SetFilter(FlowFilter.Parse("~h host"))!;
        view.SetFilter(FlowFilter.Parse("~m nothing"));

        view.Complete(older, older.Parts.Single().Archive.Match(older.Filter, older.Parts.Single().Ids));

        Assert.That(view.Count, Is.Zero, "the older filter's matches do not enter the newer view");
    }

    /// <summary>Sets the filter and answers its archive query at once, as the View addon does off its lock.</summary>
    private static void SetFilter(FlowView view, FlowFilter filter) => Complete(view, view.SetFilter(filter));

    private static void Complete(FlowView view, ArchiveQuery? query)
    {
        if (query is not null)
        {
            view.Complete(query, query.Parts.Single().Archive.Match(query.Filter, query.Parts.Single().Ids));
        }
    }

    private static List<Guid> Ids(IEnumerable<Flow> flows) => [.. flows.Select(f => f.Id)];

    /// <summary>A flow of the order tests with, now and then, a response (some 404), an x-debug header, a secret body or a mark.</summary>
    private static HttpFlow Varied(Random random)
    {
        var flow = FlowViewOrderTests.RandomFlow(random);
        if (random.Next(4) == 0)
        {
            flow.Request.Headers.Add("X-Debug", "1");
        }

        if (random.Next(5) == 0)
        {
            flow.Request.Content = "a secret"u8.ToArray();
        }

        if (random.Next(3) != 0)
        {
            flow.Response = new HttpResponse { StatusCode = random.Next(3) == 0 ? 404 : 200, Content = new byte[random.Next(5)] };
        }

        if (random.Next(6) == 0)
        {
            flow.Marked = ":default:";
        }

        return flow;
    }
}
