using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy;

/// <summary>How one upstream exchange ended.</summary>
internal sealed record ForwardOutcome
{
    public static readonly ForwardOutcome Killed = new();

    /// <summary>A reused connection turned out to be closed before any response: try a fresh one.</summary>
    public static readonly ForwardOutcome Retry = new()
    {
        RetryOnFreshConnection = true,
        Failure = new UpstreamFailure(502, "The server closed the connection without a response."),
    };

    public UpstreamFailure? Failure { get; init; }

    /// <summary>How the response body was delimited, which decides how it is sent on.</summary>
    public BodyFraming Framing { get; init; }

    public bool ReturnToPool { get; init; }

    /// <summary>The connection that switched protocols (101), to relay from now on.</summary>
    public UpstreamConnection? Upgraded { get; init; }

    public bool RetryOnFreshConnection { get; init; }

    /// <summary>The response was streamed to the client already; <see cref="ClientMustClose"/> says whether it was close-delimited.</summary>
    public bool AlreadySent { get; init; }

    public bool ClientMustClose { get; init; }

    public static ForwardOutcome Failed(int status, string message) => new() { Failure = new UpstreamFailure(status, message) };

    public static ForwardOutcome Completed(BodyFraming framing, bool reusable) => new() { Framing = framing, ReturnToPool = reusable };

    public static ForwardOutcome Streamed(bool reusable, bool clientMustClose) =>
        new() { AlreadySent = true, ReturnToPool = reusable, ClientMustClose = clientMustClose };

    public static ForwardOutcome Upgrade(UpstreamConnection connection) => new() { Upgraded = connection, Framing = new BodyFraming(BodyKind.None, 0) };
}
