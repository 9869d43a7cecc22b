namespace Addons.Bridge.Tests;

/// <summary>What the bridge shows of its server's URL, and the durable consumer each host gets.</summary>
public sealed class BridgeSettingsTests
{
    [TestCase("nats://127.0.0.1:4222", "nats://127.0.0.1:4222")]
    [TestCase("nats://s3cret@127.0.0.1:4222", "nats://***@127.0.0.1:4222")]
    [TestCase("nats://user:p@ss@a:4222,nats://token@b:4222", "nats://***@a:4222,nats://***@b:4222")]
    [TestCase("tls://user:pw@a:4222/", "tls://***@a:4222/")]
    public void TheUrlIsShownWithoutItsUserPasswordOrToken(string url, string shown)
    {
        Assert.That(BridgeSettings.Shown(url), Is.EqualTo(shown));
    }

    [Test]
    public void HostIdsThatDifferOnlyInReplacedCharactersGetConsumersOfTheirOwn()
    {
        var dotted = new BridgeSettings("", "", "lab.1", "p", BridgeDelivery.AtLeastOnce, "S").Consumer;
        var underscored = new BridgeSettings("", "", "lab_1", "p", BridgeDelivery.AtLeastOnce, "S").Consumer;
        Assert.That(dotted, Does.StartWith("addons-lab_1-"));
        Assert.That(dotted, Is.Not.EqualTo(underscored));
    }
}
