using Addons.Host.Proxy.Tls;

namespace Addons.Host.Tests.Proxy.Tls;

public sealed class ServerNameTests
{
    [TestCase("example.com", "example.com")]
    [TestCase("Example.COM.", "Example.COM")]
    [TestCase("_service.example", "_service.example")]
    [TestCase("127.0.0.1:8443", null)]
    [TestCase("localhost:443", null)]
    [TestCase("127.0.0.1", null)]
    [TestCase("::1", null)]
    [TestCase("exa mple.com", null)]
    [TestCase("", null)]
    [TestCase(null, null)]
    public void OnlyHostNamesAreUsed(string? sni, string? expected) => Assert.That(ServerName.Usable(sni), Is.EqualTo(expected));
}
