using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;

namespace Addons.Host.Proxy;

/// <summary>
/// The proxy's own options, as a built-in addon first in the chain (mitmproxy's proxyserver addon): they are set like
/// any other, from the <c>Proxy</c> section of plugins.json or <c>--set</c>, and a bad value is rejected by name.
/// </summary>
internal sealed class ProxyAddon : Addon
{
    private IOption<string> _listenHost = null!;
    private IOption<int> _listenPort = null!;
    private IOption<string> _mode = null!;
    private IOption<bool> _sslInsecure = null!;
    private IOption<string> _trustedCa = null!;
    private IOption<IReadOnlyList<string>> _ignoreHosts = null!;
    private IOption<string> _streamLargeBodies = null!;
    private IOption<string> _confdir = null!;
    private IOption<TimeSpan> _clientTimeout = null!;
    private IOption<TimeSpan> _upstreamTimeout = null!;
    private IOption<bool> _server = null!;
    private IOption<bool> _http2 = null!;
    private ProxySettings _settings = new();

    public override string Name => "proxy";

    /// <summary>The settings as of the last accepted configure.</summary>
    public ProxySettings Settings => Volatile.Read(ref _settings);

    /// <summary>The host's data folder unless <c>confdir</c> names another.</summary>
    public const string DefaultConfigDirectory = "~/.addons";

    public override void Load(IAddonLoader loader)
    {
        _server = loader.AddOption("server", true, "Start the proxy server; false (-n) runs the addons without listening, to work on flows from files.");
        _listenHost = loader.AddOption("listen_host", "127.0.0.1", "The address the proxy listens on; 0.0.0.0 or :: for every interface.");
        _listenPort = loader.AddOption("listen_port", 8080, "The port the proxy listens on; 0 picks a free one.");
        _mode = loader.AddOption("mode", "regular", "regular (an explicit HTTP proxy) or reverse:URL (clients talk to the proxy as if it were URL).");
        _sslInsecure = loader.AddOption("ssl_insecure", false, "Do not verify upstream server certificates.");
        _trustedCa = loader.AddOption("ssl_verify_upstream_trusted_ca", "", "A PEM file of CA certificates to trust for upstream servers, besides the system's.");
        _ignoreHosts = loader.AddOption<IReadOnlyList<string>>("ignore_hosts", [], "Regular expressions of host:port that are tunneled without interception.");
        _streamLargeBodies = loader.AddOption("stream_large_bodies", "", "Stream bodies larger than this (such as 5m) instead of storing them in the flow.");
        _confdir = loader.AddOption("confdir", DefaultConfigDirectory, "The host's data folder: the proxy's CA certificate and key, and what addons keep there (the StreamTester's results).");
        _clientTimeout = loader.AddOption("client_timeout", TimeSpan.FromSeconds(60), "How long a client may stall while sending a request head, or stay idle.");
        _http2 = loader.AddOption("http2", true, "Speak HTTP/2 with clients that offer it (ALPN h2 on intercepted TLS, or the h2c preface on cleartext).");
        _upstreamTimeout = loader.AddOption("upstream_timeout", TimeSpan.FromSeconds(60), "How long a server may take to connect or to send more of its response (then 504).");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(_listenHost.Value, out var address))
        {
            errors.Add($"listen_host '{_listenHost.Value}' is not an IP address");
        }

        if (_listenPort.Value is < 0 or > 65535)
        {
            errors.Add($"listen_port {_listenPort.Value} is not a port number (0 to 65535)");
        }

        var mode = ProxyMode.Parse(_mode.Value, out var modeError);
        if (modeError is not null)
        {
            errors.Add(modeError);
        }

        var ignore = new List<Regex>();
        foreach (var pattern in _ignoreHosts.Value)
        {
            try
            {
                ignore.Add(new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            }
            catch (ArgumentException ex)
            {
                errors.Add($"ignore_hosts '{pattern}' is not a regular expression ({ex.Message})");
            }
        }

        var streamLimit = ParseSize(_streamLargeBodies.Value, out var sizeError);
        if (sizeError is not null)
        {
            errors.Add(sizeError);
        }

        var trustedCa = _trustedCa.Value.Length == 0 ? null : ExpandHome(_trustedCa.Value);
        if (trustedCa is not null && !File.Exists(trustedCa))
        {
            errors.Add($"ssl_verify_upstream_trusted_ca '{trustedCa}' does not exist");
        }

        if (errors.Count > 0)
        {
            context.Reject(string.Join("; ", errors));
            return default;
        }

        Volatile.Write(ref _settings, new ProxySettings
        {
            Server = _server.Value,
            ListenAddress = address!,
            ListenPort = _listenPort.Value,
            Mode = mode!,
            SslInsecure = _sslInsecure.Value,
            UpstreamTrustedCa = trustedCa,
            IgnoreHosts = ignore,
            StreamLargeBodies = streamLimit,
            ConfigDirectory = ExpandHome(_confdir.Value),
            ClientTimeout = _clientTimeout.Value,
            UpstreamTimeout = _upstreamTimeout.Value,
            Http2 = _http2.Value,
        });
        return default;
    }

    /// <summary>Sizes as mitmproxy writes them: a number of bytes with an optional k, m or g suffix.</summary>
    internal static long? ParseSize(string text, out string? error)
    {
        error = null;
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        var multiplier = char.ToLowerInvariant(text[^1]) switch
        {
            'k' => 1024L,
            'm' => 1024L * 1024,
            'g' => 1024L * 1024 * 1024,
            'b' => 1L,
            _ => 0L,
        };
        var digits = multiplier == 0 ? text : text[..^1];
        if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            return value * Math.Max(multiplier, 1);
        }

        error = $"stream_large_bodies '{text}' is not a size such as 512k, 5m or 1g";
        return null;
    }

    /// <summary>A path with a leading <c>~</c> in the user's home folder, as the options that name folders take it.</summary>
    internal static string ExpandHome(string path) =>
        path.StartsWith('~') ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..] : path;
}
