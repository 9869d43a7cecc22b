namespace Addons.Host.Proxy.Http1;

/// <summary>A message broke HTTP/1.1's rules; <see cref="StatusCode"/> is what to answer a client that sent it.</summary>
internal sealed class MalformedMessageException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
