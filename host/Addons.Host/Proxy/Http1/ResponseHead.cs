using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>A parsed status line and header section, exactly as received.</summary>
internal sealed record ResponseHead(string Version, int StatusCode, string Reason, HttpHeaders Headers);
