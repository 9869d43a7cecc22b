using Addons.Abstractions.Health;
using Addons.Session.Tests.Storage;

namespace Addons.Session.Tests.Addon;

/// <summary>The session's readiness check, <c>session.writable</c>, as the host's <c>/health/ready</c> runs it.</summary>
public sealed class SessionHealthTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task A_session_being_written_is_healthy_and_says_where()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_flush_ms", 5));
        await h.CaptureAsync(SampleFlows.Simple(1));
        await h.Session.Writer!.FlushAsync(CancellationToken.None);

        var health = (await h.Host.HealthAsync())["session.writable"];
        await h.DoneAsync();

        Assert.That(health.Status, Is.EqualTo(AddonHealthStatus.Healthy));
        Assert.That(health.Description, Is.EqualTo($"Writing {path}: 0 flow(s) queued, 1 written."));
    }

    [Test]
    public async Task A_session_that_does_not_persist_is_unhealthy_with_the_reason()
    {
        var path = _temp.File("notes.txt");
        await File.WriteAllTextAsync(path, "these are my notes, not a session");

        var h = await SessionHarness.StartAsync(("session_path", path));
        var health = (await h.Host.HealthAsync())["session.writable"];
        await h.DoneAsync();

        Assert.That(health.Status, Is.EqualTo(AddonHealthStatus.Unhealthy));
        Assert.That(health.Description, Does.StartWith("Flows are not persisted: ").And.Contain(path));
    }
}
