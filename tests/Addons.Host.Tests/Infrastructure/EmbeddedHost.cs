using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// An application's generic host for embedding tests: the proxy's configuration under <c>AddonProxy</c> in memory, on a
/// free port, its CA in <c>folder</c>, no flow output and no control endpoint unless the test's values say otherwise.
/// </summary>
internal static class EmbeddedHost
{
    public static HostApplicationBuilder Builder(string folder, params (string Key, string Value)[] values)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AddonProxy:Proxy:listen_port"] = "0",
            ["AddonProxy:Proxy:confdir"] = Path.Combine(folder, "conf"),
            ["AddonProxy:Dump:flow_detail"] = "0",
            ["AddonProxy:Control:control"] = "false",
        };
        foreach (var (key, value) in values)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        return builder;
    }
}
