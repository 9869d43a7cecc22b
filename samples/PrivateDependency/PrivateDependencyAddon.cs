using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Newtonsoft.Json;

[assembly: AddonEntryPoint(typeof(PrivateDependency.PrivateDependencyAddon))]

namespace PrivateDependency;

/// <summary>
/// Uses Newtonsoft.Json 12 as a private dependency: each plugin has a load context of its own, so it gets the version
/// it shipped whatever the host or other plugins use. Each response gets the request as JSON and that version.
/// </summary>
public sealed class PrivateDependencyAddon : Addon
{
    private static readonly string JsonVersion = typeof(JsonConvert).Assembly.GetName().Version!.ToString();

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        if (context.Flow.Response is { } response)
        {
            var request = context.Flow.Request;
            response.Headers.Set("X-Request-Json", JsonConvert.SerializeObject(new { request.Method, request.Path }));
            response.Headers.Set("X-Newtonsoft-Json-Version", JsonVersion);
        }

        return default;
    }
}
