namespace Addons.Host.Proxy.Upstream;

/// <summary>The server could not be reached or did not answer properly; <see cref="StatusCode"/> is 502 or 504.</summary>
internal sealed class UpstreamException(int statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
}
