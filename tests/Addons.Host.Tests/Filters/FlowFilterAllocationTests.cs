using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// A compiled filter runs against every flow the proxy sees, so the common operators must not allocate: they match
/// spans of the flow's own strings, or of text built in stack or pooled buffers.
/// </summary>
public sealed class FlowFilterAllocationTests
{
    private const int Evaluations = 1000;

    [TestCase("~m POST & ~u /api")]
    [TestCase("~c 404 | ~h \"x-debug\"")]
    [TestCase("~d example")]
    [TestCase("~t json")]
    [TestCase("api/users")]
    [TestCase("~hq accept ~hs server")]
    [TestCase("~q | ~s | ~e | ~marked")]
    [TestCase("!~c 500 & ~tq json & ~ts html")]
    public void EvaluatingDoesNotAllocate(string expression)
    {
        var filter = FlowFilter.Parse(expression);
        Flow[] flows = [TestFlows.RequestOnly(), TestFlows.WithResponse(), TestFlows.ReverseProxied(), TestFlows.Ipv6(), LongFlow()];

        // Warm up: JIT, the regex runners and the pool's per-thread buckets.
        Measure(filter, flows);

        Assert.That(Measure(filter, flows), Is.Zero, $"bytes allocated by {Evaluations} evaluations of each flow");
    }

    private static long Measure(FlowFilter filter, Flow[] flows)
    {
        var matched = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Evaluations; i++)
        {
            foreach (var flow in flows)
            {
                matched += filter.Matches(flow) ? 1 : 0;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(matched);
        return allocated;
    }

    // A URL and header block longer than the stack buffers, so the pooled path is measured too.
    private static HttpFlow LongFlow()
    {
        var flow = TestFlows.WithResponse();
        flow.Request.Path = "/api/" + new string('p', 2000);
        flow.Request.Headers.Add("X-Debug", new string('d', 2000));
        flow.Response!.Headers.Add("X-Large", new string('l', 2000));
        return flow;
    }
}
