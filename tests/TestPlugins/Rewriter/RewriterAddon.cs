using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

[assembly: AddonEntryPoint(typeof(Rewriter.RewriterAddon))]

namespace Rewriter;

/// <summary>
/// Changes flows the way real addons do, chosen by path: /answer* is answered without the server (418), /kill* is
/// killed, /rename* goes to /hello instead; every request gains X-Rewritten and every response X-Response-Rewritten;
/// /replace-body* responses get a new body. CONNECT to refused.example is refused with 403; connections to
/// blocked.example are aborted in server_connect.
/// </summary>
public sealed class RewriterAddon : Addon
{
    public override ValueTask RequestAsync(HttpFlowContext context)
    {
        var flow = context.Flow;
        var request = flow.Request;
        if (request.Path.StartsWith("/answer", StringComparison.Ordinal))
        {
            flow.Response = HttpResponse.Create(418, "answered by the rewriter", ("X-Answered-By", "rewriter"));
        }
        else if (request.Path.StartsWith("/kill", StringComparison.Ordinal))
        {
            flow.Kill();
        }
        else
        {
            request.Headers.Add("X-Rewritten", "yes");
            if (request.Path.StartsWith("/rename", StringComparison.Ordinal))
            {
                request.Path = "/hello";
            }
        }

        return default;
    }

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        var flow = context.Flow;
        flow.Response?.Headers.Set("X-Response-Rewritten", "yes");
        if (flow.Request.Path.StartsWith("/replace-body", StringComparison.Ordinal))
        {
            flow.Response?.SetText("replaced by the rewriter");
        }

        return default;
    }

    public override ValueTask ServerConnectAsync(ServerConnectionContext context)
    {
        if (context.Server.Address?.Host == "blocked.example")
        {
            context.Server.Error = "blocked.example is on the rewriter's block list";
        }

        return default;
    }

    public override ValueTask HttpConnectAsync(HttpFlowContext context)
    {
        if (context.Flow.Request.Host == "refused.example")
        {
            context.Flow.Response = HttpResponse.Create(403, "no tunnels to refused.example");
        }

        return default;
    }
}
