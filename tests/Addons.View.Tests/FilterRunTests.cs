using Addons.Abstractions.Flows;
using Addons.Abstractions.View;
using Addons.Host.Filters;

namespace Addons.View.Tests;

/// <summary>
/// A filter change evaluated off the view's lock while the proxy goes on: whatever happens to the store between the
/// snapshot and the answer, the view ends up showing exactly what the new filter passes.
/// </summary>
public sealed class FilterRunTests
{
    [Test]
    public void FlowsAddedAndChangedWhileTheFilterRunsAreDecidedByTheNewFilter()
    {
        var flows = Enumerable.Range(0, 100).Select(i => ViewHarness.T(i % 2 == 0 ? "get" : "post", created: i)).ToList();
        var view = new FlowView(_ => { });
        view.Add(flows);

        var run = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);
        run.Evaluate();

        // After the snapshot was read: a GET becomes a POST, a POST becomes a GET, a POST and a GET arrive.
        flows[0].Request.Method = "POST";
        flows[1].Request.Method = "GET";
        view.Update([flows[0], flows[1]]);
        var late = new[] { ViewHarness.T("post", created: 200), ViewHarness.T("get", created: 201) };
        view.Add(late);
        Assert.That(view.Count, Is.EqualTo(102), "until the run completes, the old filter (none) shows every flow");

        Assert.That(view.CompleteFilter(run), Is.Null);

        Assert.That(Ids(view.Flows), Is.EqualTo(Ids(flows.Concat(late).Where(f => f.Request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase)))));
    }

    [Test]
    public void AFlowThatGoesColdWhileTheFilterRunsIsDecidedFromItsSummary()
    {
        var flows = Enumerable.Range(0, 10).Select(i => ViewHarness.T(i < 5 ? "get" : "post", created: i)).ToList();
        var view = new FlowView(_ => { });
        var archive = new InMemoryArchive();
        view.Add(flows);

        var run = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);
        run.Evaluate();
        view.Archive(archive, archive.Store(flows));
        view.CompleteFilter(run);

        Assert.That(Ids(view.Flows), Is.EqualTo(Ids(flows.Skip(5))));
    }

    [Test]
    public void ALaterRunSupersedesAnEarlierOneWhicheverCompletesFirst()
    {
        var flows = Enumerable.Range(0, 10).Select(i => ViewHarness.T(i < 3 ? "get" : "post", created: i)).ToList();
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        view.Add(flows);

        var first = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);
        var second = view.BeginFilter(FlowFilter.Parse("~m GET"), markedOnly: false);
        second.Evaluate();
        first.Evaluate();
        view.CompleteFilter(second);
        messages.Clear();
        view.CompleteFilter(first);

        Assert.Multiple(() =>
        {
            Assert.That(Ids(view.Flows), Is.EqualTo(Ids(flows.Take(3))));
            Assert.That(messages, Is.Empty, "the superseded run changes nothing");
            Assert.That(view.IntendedFilter!.Pattern, Is.EqualTo("~m GET"));
        });
    }

    [Test]
    public void ACompactionOrAClearWhileTheFilterRunsIsFollowedByAFullRefilter()
    {
        var flows = Enumerable.Range(0, 3_000).Select(i => ViewHarness.T(i % 3 == 0 ? "post" : "get", created: i)).ToList();
        var view = new FlowView(_ => { });
        view.Add(flows);

        var run = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);
        run.Evaluate();

        // Removing most flows compacts the store: every slot number the run answered for now means another flow.
        view.Remove(flows.Take(2_000));
        view.CompleteFilter(run);
        Assert.That(Ids(view.Flows), Is.EqualTo(Ids(flows.Skip(2_000).Where(f => f.Request.Method.Equals("POST", StringComparison.OrdinalIgnoreCase)))));

        run = view.BeginFilter(FlowFilter.Parse("~m GET"), markedOnly: false);
        run.Evaluate();
        view.Clear();
        var fresh = new[] { ViewHarness.T("get", created: 1), ViewHarness.T("post", created: 2) };
        view.Add(fresh);
        view.CompleteFilter(run);
        Assert.That(Ids(view.Flows), Is.EqualTo(Ids(fresh.Take(1))));
    }

    [Test]
    public void MarkedOnlyAndTheFilterCombineAcrossRuns()
    {
        var flows = Enumerable.Range(0, 6).Select(i => ViewHarness.T(i < 3 ? "get" : "post", created: i)).ToList();
        flows[1].Marked = ":default:";
        flows[4].Marked = ":default:";
        var view = new FlowView(_ => { });
        view.Add(flows);

        var filter = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);

        // The marked-only toggle asked while the filter runs keeps the filter asked for, not the one still shown.
        var marked = view.BeginFilter(view.IntendedFilter, !view.IntendedMarkedOnly);
        filter.Evaluate();
        marked.Evaluate();
        view.CompleteFilter(filter);
        view.CompleteFilter(marked);

        Assert.Multiple(() =>
        {
            Assert.That(view.MarkedOnly, Is.True);
            Assert.That(Ids(view.Flows), Is.EqualTo(Ids([flows[4]])));
        });
    }

    [Test]
    public void TheFocusMovesAsItDoesWhenTheFilterIsSetAtOnce()
    {
        var flows = Enumerable.Range(0, 10).Select(i => ViewHarness.T(i % 2 == 0 ? "get" : "post", created: i)).ToList();
        var messages = new List<object>();
        var view = new FlowView(messages.Add);
        view.Add(flows);
        view.Focus(flows[4]);

        var run = view.BeginFilter(FlowFilter.Parse("~m POST"), markedOnly: false);
        run.Evaluate();
        messages.Clear();
        view.CompleteFilter(run);

        Assert.Multiple(() =>
        {
            Assert.That(view.FocusedFlow, Is.SameAs(flows[5]), "the flow that now stands where the focused one was");
            Assert.That(messages.OfType<ViewRefreshed>().Count(), Is.EqualTo(1));
            Assert.That(messages.OfType<ViewFocusChanged>().Single().Flow, Is.SameAs(flows[5]));
        });
    }

    private static List<Guid> Ids(IEnumerable<Flow> flows) => [.. flows.Select(f => f.Id)];
}
