using System.Collections.Concurrent;
using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Tests.Flows;

public sealed class RandomIdsTests
{
    [Test]
    public void IdsAreVersion4WithTheRfcVariant()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = RandomIds.Next();
            Assert.That(id.Version, Is.EqualTo(4), id.ToString());
            Assert.That(id.Variant & 0b1100, Is.EqualTo(0b1000), id.ToString());
        }
    }

    [Test]
    public void IdsDoNotRepeatAcrossBlocksAndThreads()
    {
        // Several blocks per thread, so that each thread refills its block more than once.
        var ids = new ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 2000; i++)
            {
                ids.Add(RandomIds.Next());
            }
        });

        Assert.That(ids.Distinct().Count(), Is.EqualTo(16_000));
    }

    [Test]
    public void AFlowAndItsConnectionsGetDistinctRandomIds()
    {
        var first = new HttpFlow();
        var second = new HttpFlow();
        Guid[] ids = [first.Id, first.Client.Id, first.Server.Id, second.Id, second.Client.Id, second.Server.Id];
        Assert.That(ids.Distinct().Count(), Is.EqualTo(ids.Length));
        Assert.That(ids.Select(id => id.Version), Is.All.EqualTo(4));
    }
}
