using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.View.Tests;

/// <summary>The View addon with an archive on the bus: filters over cold flows do not stop the proxy, and an archive that fails is said.</summary>
public sealed class ViewArchiveTests
{
    [Test]
    public async Task WhileTheArchiveMatchesColdFlowsTheViewKeepsTakingNewFlows()
    {
        await using var h = await ViewHarness.CreateAsync();
        var flows = Enumerable.Range(0, 5).Select(i => ViewHarness.T(created: i)).ToList();
        flows[3].Request.Headers.Add("X-Debug", "1");
        h.View.Add([.. flows]);
        var archive = new SlowArchive();
        h.Bus.Publish(new FlowsArchived { Archive = archive, Flows = archive.Store(flows) });

        var filtering = h.Commands.ExecuteAsync("view.filter.set", ["~h x-debug"]).AsTask();
        await archive.Asked.WaitAsync(TimeSpan.FromSeconds(10));

        // The proxy adds a flow while the archive is still reading: the view's lock is free.
        var live = ViewHarness.T(created: 9);
        live.Request.Headers.Add("X-Debug", "1");
        var add = Task.Run(() => h.View.Add(live));
        Assert.That(await Task.WhenAny(add, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(add), "adding a flow waited for the archive");
        Assert.That(filtering.IsCompleted, Is.False);

        archive.Release.SetResult();
        await filtering;
        Assert.That(h.Model.Flows.Select(f => f.Id), Is.EqualTo(new[] { flows[3].Id, live.Id }));
    }

    [Test]
    public async Task ColdFlowsTheArchiveCannotMatchAreLeftOutAndTheLogSaysWhy()
    {
        await using var h = await ViewHarness.CreateAsync();
        var flows = Enumerable.Range(0, 4).Select(i => ViewHarness.T(created: i)).ToList();
        h.View.Add([.. flows]);
        var archive = new SlowArchive { Failure = "the file is gone" };
        archive.Release.SetResult();
        h.Bus.Publish(new FlowsArchived { Archive = archive, Flows = archive.Store(flows) });

        await h.Commands.ExecuteAsync("view.filter.set", ["~h qvalue"]);

        Assert.Multiple(() =>
        {
            Assert.That(h.Model.Count, Is.EqualTo(1), "only the focused flow, decided at once");
            Assert.That(h.LogLines, Has.Some.EqualTo("3 flows kept in the slow archive could not be matched against the filter '~h qvalue', so they are left out of the view: the file is gone"));
        });
    }

    [Test]
    public async Task AnArchiveThatCannotLoadItsFlowsIsACommandErrorAndTheViewGoesOn()
    {
        await using var h = await ViewHarness.CreateAsync();
        var flows = Enumerable.Range(0, 3).Select(i => ViewHarness.T(created: i)).ToList();
        h.View.Add([.. flows]);
        var archive = new InMemoryArchive();
        h.Bus.Publish(new FlowsArchived { Archive = archive, Flows = archive.Store(flows) });
        archive.IsOpen = false;

        // Moving the focus does not need the flow; telling followers about it does, and goes on without it.
        await h.Commands.ExecuteAsync("view.focus.next", []);
        var error = Assert.ThrowsAsync<Abstractions.Commands.CommandException>(async () => await h.Commands.ExecuteAsync("view.flows.resolve", ["@all"]));

        Assert.Multiple(() =>
        {
            Assert.That(h.Model.FocusIndex, Is.EqualTo(1));
            Assert.That(h.Messages.OfType<Abstractions.View.ViewFocusChanged>().Last(), Is.EqualTo(new Abstractions.View.ViewFocusChanged { Flow = null, Index = 1 }));
            Assert.That(h.LogLines, Has.Some.Contains(flows[1].Id.ToString()).And.Contains("The view goes on without it."));
            Assert.That(error!.Message, Does.Contain("the test archive").And.Contain(flows[0].Id.ToString()));
        });
    }

    /// <summary>An archive whose Match waits until released (or fails), to stand for a long scan of a session file.</summary>
    private sealed class SlowArchive : IFlowArchive
    {
        private readonly Dictionary<Guid, Flow> _flows = [];

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Asked => _asked.Task;

        public string? Failure { get; init; }

        public string Name => "the slow archive";

        public bool IsOpen => true;

        private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<FlowSummary> Store(IEnumerable<Flow> flows)
        {
            foreach (var flow in flows)
            {
                _flows[flow.Id] = flow;
            }

            return [.. _flows.Values.Select(FlowSummary.Of)];
        }

        public Flow? Load(Guid id) => _flows.GetValueOrDefault(id);

        public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
        {
            _asked.TrySetResult();
            Release.Task.Wait(cancellationToken);
            if (Failure is not null)
            {
                throw new FlowArchiveException(Failure);
            }

            return ids.Where(id => filter.Matches(_flows[id])).ToHashSet();
        }
    }
}
