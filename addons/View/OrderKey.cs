using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// The orders of mitmproxy's View: time (creation), method, url and size (request plus response body; a TCP or UDP
/// flow's messages; a DNS answer's record data). Time and size are numbers; method and url are texts compared
/// ordinally.
/// </summary>
internal sealed class OrderKey
{
    public static readonly OrderKey Time = new("time", f => f.TimestampCreated.UtcTicks, s => s.TimestampCreated.UtcTicks);

    public static readonly OrderKey Method = new(
        "method",
        MethodOf,
        WriteMethod,
        s => s.Type is FlowType.Http or FlowType.Dns ? s.Method.ToUpperInvariant() : s.Type.ToString().ToUpperInvariant());

    public static readonly OrderKey Url = new("url", UrlOf, WriteUrl, s => s.Url);

    public static readonly OrderKey Size = new("size", SizeOf, s => s.Size);

    /// <summary>The names, sorted, as view.order.options lists them.</summary>
    public static readonly IReadOnlyList<OrderKey> All = [Method, Size, Time, Url];

    private readonly Func<Flow, long>? _number;
    private readonly Func<Flow, string>? _text;
    private readonly TextWriter? _write;
    private readonly Func<FlowSummary, long>? _summaryNumber;
    private readonly Func<FlowSummary, string>? _summaryText;

    /// <summary>Writes a flow's text key into <paramref name="destination"/>: its length, or minus the room it needs.</summary>
    private delegate int TextWriter(Flow flow, Span<char> destination);

    private OrderKey(string name, Func<Flow, long> number, Func<FlowSummary, long> summaryNumber)
    {
        Name = name;
        _number = number;
        _summaryNumber = summaryNumber;
    }

    private OrderKey(string name, Func<Flow, string> text, TextWriter write, Func<FlowSummary, string> summaryText)
    {
        Name = name;
        _text = text;
        _write = write;
        _summaryText = summaryText;
    }

    public string Name { get; }

    /// <summary>Whether the key is a text (compared ordinally) rather than a number.</summary>
    public bool IsText => _text is not null;

    public static OrderKey? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>The key of a numeric order.</summary>
    public long NumberOf(Flow flow) => _number is { } number ? number(flow) : throw new InvalidOperationException($"The {Name} order is a text.");

    /// <summary>The key of a text order.</summary>
    public string TextOf(Flow flow) => _text is { } text ? text(flow) : throw new InvalidOperationException($"The {Name} order is a number.");

    /// <summary>The key of a numeric order for a cold flow: the same number as <see cref="NumberOf(Flow)"/> gives for the flow it summarizes.</summary>
    public long NumberOf(FlowSummary summary) =>
        _summaryNumber is { } number ? number(summary) : throw new InvalidOperationException($"The {Name} order is a text.");

    /// <summary>The key of a text order for a cold flow: the same text as <see cref="TextOf(Flow)"/> gives for the flow it summarizes.</summary>
    public string TextOf(FlowSummary summary) =>
        _summaryText is { } text ? text(summary) : throw new InvalidOperationException($"The {Name} order is a number.");

    /// <summary>
    /// Writes the key of a text order, the same characters as <see cref="TextOf(Flow)"/> without making a string: the
    /// number of characters written, or minus the room needed when <paramref name="destination"/> is too small.
    /// </summary>
    public int WriteText(Flow flow, Span<char> destination) =>
        _write is { } write ? write(flow, destination) : throw new InvalidOperationException($"The {Name} order is a number.");

    public override string ToString() => Name;

    /// <summary>An HTTP request's method, a DNS query's operation (<c>QUERY</c>), or the protocol (<c>TCP</c>, <c>UDP</c>), in upper case.</summary>
    private static string MethodOf(Flow flow) => flow switch
    {
        HttpFlow h => h.Request.Method.ToUpperInvariant(),
        DnsFlow d => d.Request.OpCodeName,
        _ => flow.Type.ToString().ToUpperInvariant(),
    };

    /// <summary>An HTTP request's URL, a DNS query's first name, or the server's address as <c>host:port</c>.</summary>
    private static string UrlOf(Flow flow) => flow switch
    {
        HttpFlow h => h.Request.Url,
        DnsFlow d => d.Request.Questions.Count > 0 ? d.Request.Questions[0].Name : "",
        _ => flow.Server.Address?.ToString() ?? "",
    };

    /// <summary>The bodies of an HTTP flow, the messages of a TCP or UDP flow, the record data of a DNS answer.</summary>
    private static long SizeOf(Flow flow) => flow switch
    {
        HttpFlow h => (h.Request.Content?.Length ?? 0) + (long)(h.Response?.Content?.Length ?? 0),
        StreamFlow s => s.Messages.Sum(m => (long)m.Content.Length),
        DnsFlow d => d.Response?.RecordDataLength ?? 0,
        _ => 0,
    };

    private static int WriteMethod(Flow flow, Span<char> destination)
    {
        if (flow is not HttpFlow h)
        {
            var method = MethodOf(flow);
            return method.TryCopyTo(destination) ? method.Length : -method.Length;
        }

        return h.Request.Method.Length > destination.Length ? -h.Request.Method.Length : h.Request.Method.AsSpan().ToUpperInvariant(destination);
    }

    /// <summary>As <see cref="HttpRequest.Url"/> writes it: scheme://host, the port unless the scheme's default, the path.</summary>
    private static int WriteUrl(Flow flow, Span<char> destination)
    {
        if (flow is not HttpFlow http)
        {
            var url = UrlOf(flow);
            return url.TryCopyTo(destination) ? url.Length : -url.Length;
        }

        var request = http.Request;
        var bracketed = request.Host.Contains(':', StringComparison.Ordinal);
        var defaultPort = (request.Scheme == "https" && request.Port == 443) || (request.Scheme == "http" && request.Port == 80);
        var needed = request.Scheme.Length + 3 + request.Host.Length + (bracketed ? 2 : 0) + (defaultPort ? 0 : 12) + request.Path.Length;
        if (needed > destination.Length)
        {
            return -needed;
        }

        var length = 0;
        Append(request.Scheme, destination, ref length);
        Append("://", destination, ref length);
        if (bracketed)
        {
            Append("[", destination, ref length);
            Append(request.Host, destination, ref length);
            Append("]", destination, ref length);
        }
        else
        {
            Append(request.Host, destination, ref length);
        }

        if (!defaultPort)
        {
            Append(":", destination, ref length);
            request.Port.TryFormat(destination[length..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
            length += written;
        }

        Append(request.Path, destination, ref length);
        return length;
    }

    private static void Append(ReadOnlySpan<char> text, Span<char> destination, ref int length)
    {
        text.CopyTo(destination[length..]);
        length += text.Length;
    }
}
