using Addons.Host.Dump;

namespace Addons.Host.Tests.Hosting;

/// <summary>Where -r and -w read and write: files, or URLs that only an addon's format reads, shown without passwords.</summary>
public sealed class FlowLocationTests
{
    [TestCase("postgresql://addons:s3cret@db.lab:5432/fleet", "postgresql://addons:***@db.lab:5432/fleet")]
    [TestCase("postgresql://addons:p@ss@db.lab/fleet", "postgresql://addons:***@db.lab/fleet")]
    [TestCase("postgresql://addons@db.lab/fleet?password=s3cret&filter=~c%20404", "postgresql://addons@db.lab/fleet?…")]
    [TestCase("postgresql://db.lab/fleet", "postgresql://db.lab/fleet")]
    [TestCase("/tmp/capture.mitm", "/tmp/capture.mitm")]
    [TestCase("C:\\captures\\a.mitm", "C:\\captures\\a.mitm")]
    public void AUrlIsShownWithoutItsPasswordOrQuery(string location, string shown)
    {
        Assert.That(FlowLocation.Display(location), Is.EqualTo(shown));
    }

    [TestCase("postgresql://db/fleet", true)]
    [TestCase("nats+tls://h", true)]
    [TestCase("C://x", false)]
    [TestCase("capture.mitm", false)]
    [TestCase("./a://b", false)]
    public void AUrlHasASchemeOfTwoOrMoreCharacters(string location, bool url)
    {
        Assert.That(FlowLocation.IsUrl(location), Is.EqualTo(url));
    }
}
