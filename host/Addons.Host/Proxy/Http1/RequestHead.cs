using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>A parsed request line and header section, exactly as received.</summary>
internal sealed record RequestHead(string Method, string Target, string Version, HttpHeaders Headers);
