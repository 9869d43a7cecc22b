using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests;

/// <summary>The whole run of this assembly's tests: what the run made once for several fixtures goes at its end.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeTearDown]
    public void DeleteWhatTheRunShared() => PackageFeed.DeleteIfPacked();
}
