using Addons.Abstractions.View;

namespace Addons.View.Tests;

/// <summary>
/// A filter change on a large store takes a while: meanwhile the proxy must go on adding flows and a page must go on
/// being read, so the View evaluates the filter off its lock.
/// </summary>
public sealed class ViewFilterOffLockTests
{
    [Test]
    public async Task FlowsArriveAndPagesAreReadWhileAFilterIsEvaluated()
    {
        await using var h = await ViewHarness.CreateAsync();
        var first = ViewHarness.T("get", created: 1);
        await h.Host.CycleAsync(first);
        var evaluating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.View.FilterEvaluator = async run =>
        {
            evaluating.SetResult();
            await release.Task;
            run.Evaluate();
        };

        var configure = h.SetAsync("view_filter", "~m POST");
        await evaluating.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Held here without the lock: a flow is captured and the page is read while the filter is still running.
        var late = ViewHarness.T("post", created: 2);
        await h.Host.CycleAsync(late).WaitAsync(TimeSpan.FromSeconds(10));
        var during = (ViewPage)(await h.CallAsync("view.flows.page", 0, 10).WaitAsync(TimeSpan.FromSeconds(10)))!;
        Assert.That(during.Total, Is.EqualTo(2), "the old filter (none) is shown until the new one is ready");
        Assert.That(configure.IsCompleted, Is.False);

        release.SetResult();
        await configure.WaitAsync(TimeSpan.FromSeconds(10));
        var after = (ViewPage)(await h.CallAsync("view.flows.page", 0, 10))!;
        Assert.Multiple(() =>
        {
            Assert.That(after.Rows.Select(r => r.Summary.Id), Is.EqualTo(new[] { late.Id }), "the flow captured meanwhile is decided by the new filter");
            Assert.That(after.Filter, Is.EqualTo("~m POST"));
        });
    }
}
