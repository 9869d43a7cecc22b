namespace Addons.Host.Proxy;

/// <summary>Why forwarding failed: the status to answer the client with (0 to just close) and a readable reason.</summary>
internal sealed record UpstreamFailure(int StatusCode, string Message);
