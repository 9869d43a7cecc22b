using System.Globalization;
using System.Text;
using System.Text.Json;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Filters;

namespace Addons.Host.Dump;

/// <summary>
/// mitmdump's flow output: a line per completed flow on standard output (client, method, URL, then status, reason
/// and response size, or the error; a DNS query and its answers; a TCP or UDP flow's peers and messages), or with
/// <c>dump_json</c> one JSON object per flow with its id. Only flows the <c>dumper_filter</c> matches are printed (the
/// command line's positional filter sets it). Built in, last in the chain, so that it prints a flow as every addon
/// left it.
/// </summary>
internal sealed class DumpAddon : CompletedFlowAddon, IDisposable
{
    /// <summary>What a request-only flow's line says where the response would be.</summary>
    internal const string NoResponse = "(no response)";

    private readonly Lock _gate = new();
    private IOption<int> _detail = null!;
    private IOption<string> _filter = null!;
    private IOption<bool> _json = null!;
    private FlowFilter? _compiled;
    private TextWriter? _output;
    private Timer? _flusher;

    public override string Name => "dump";

    /// <summary>Where the lines go: standard output, unless a test gives a writer.</summary>
    internal TextWriter? Output { get; set; }

    public override void Load(IAddonLoader loader)
    {
        _detail = loader.AddOption("flow_detail", 1, "What is printed of each flow: 0 nothing, 1 a line per flow (mitmdump's default); -q sets 0.");
        _filter = loader.AddOption("dumper_filter", "", "Print only the flows this filter expression matches (the command line's positional argument sets it).");
        _json = loader.AddOption("dump_json", false, "Print each flow as one JSON object per line, with its id, instead of a line of text (--json).");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (_detail.Value is < 0 or > 1)
        {
            context.Reject($"flow_detail must be 0 (no flow output) or 1 (a line per flow), not {_detail.Value}; headers and bodies (mitmdump's 2 to 4) are not printed.");
            return default;
        }

        if (!FilterOption.TryCompile(context, _filter, out var filter))
        {
            return default;
        }

        Volatile.Write(ref _compiled, filter);
        return default;
    }

    protected override bool Active => _detail.Value > 0;

    protected override void Stopping(IReadOnlyList<Flow> unfinished) => Flush();

    public void Dispose()
    {
        _flusher?.Dispose();
        Flush();
    }

    /// <summary>The line mitmdump would print for a flow, without a trailing newline.</summary>
    internal static string Line(Flow flow) => flow switch
    {
        HttpFlow http => Line(http),
        DnsFlow dns => Line(dns),
        StreamFlow stream => StreamLine(stream),
        _ => $"{Address(flow.Client.PeerName)}: {flow.Type.ToString().ToUpperInvariant()} flow {flow.Id}",
    };

    /// <summary>mitmdump 8.1's DNS lines, as one: <c>client: DNS QUERY (A) name &lt;&lt; answers</c> or the error.</summary>
    internal static string Line(DnsFlow flow)
    {
        var question = flow.Request.Questions.Count > 0 ? flow.Request.Questions[0] : null;
        var text = new StringBuilder()
            .Append(Address(flow.Client.PeerName)).Append(": DNS ").Append(flow.Request.OpCodeName)
            .Append(" (").Append(question is null ? "" : RecordType(question.Type)).Append(") ").Append(question?.Name ?? "");
        if (flow.Response is { } response)
        {
            text.Append(" << ").Append(string.Join(", ", response.Answers.Select(RecordData)));
        }
        else if (flow.Error is { } error)
        {
            text.Append(" << ").Append(error.Message);
        }
        else
        {
            text.Append(" << ").Append(NoResponse);
        }

        return text.ToString();
    }

    /// <summary>A TCP or UDP flow: mitmdump prints <c>client -> tcp -> server</c> per message; this is the flow's line at its end.</summary>
    private static string StreamLine(StreamFlow flow)
    {
        var protocol = flow.Type.ToString().ToLowerInvariant();
        var messages = flow.Messages;
        var text = new StringBuilder()
            .Append(Address(flow.Client.PeerName)).Append(" <-> ").Append(protocol).Append(" <-> ").Append(Address(flow.Server.Address))
            .Append(' ').Append(messages.Count.ToString(CultureInfo.InvariantCulture)).Append(messages.Count == 1 ? " message " : " messages ")
            .Append(PrettySize(messages.Sum(m => (long)m.Content.Length)));
        if (flow.Error is { } error)
        {
            text.Append(" << ").Append(error.Message);
        }

        return text.ToString();
    }

    private static string Address(HostPort? address) => address is { } a
        ? (a.Host.Contains(':', StringComparison.Ordinal) ? $"[{a.Host}]" : a.Host) + ":" + a.Port.ToString(CultureInfo.InvariantCulture)
        : "?";

    private static string RecordType(int type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        65 => "HTTPS",
        _ => string.Create(CultureInfo.InvariantCulture, $"TYPE({type})"),
    };

    /// <summary>A record's data as mitmproxy prints it: an address, a name, text, or hex.</summary>
    private static string RecordData(DnsResourceRecord record) => record.Type switch
    {
        1 when record.Data.Length == 4 => new System.Net.IPAddress(record.Data).ToString(),
        28 when record.Data.Length == 16 => new System.Net.IPAddress(record.Data).ToString(),
        16 => Encoding.UTF8.GetString(record.Data),
        _ => "0x" + Convert.ToHexStringLower(record.Data),
    };

    private static string Line(HttpFlow flow)
    {
        var text = new StringBuilder();
        if (flow.IsReplay == ReplayKind.Request)
        {
            // mitmdump's mark of a replayed request, where the client's address would be.
            text.Append("[replay]: ");
        }
        else if (flow.Client.PeerName is { } client)
        {
            text.Append(Address(client)).Append(": ");
        }

        text.Append(flow.Request.Method).Append(' ').Append(flow.Request.Url);
        if (flow.Response is { } response)
        {
            text.Append(" << ").Append(response.StatusCode.ToString(CultureInfo.InvariantCulture));
            if (response.Reason.Length > 0)
            {
                text.Append(' ').Append(response.Reason);
            }

            text.Append(' ').Append(PrettySize(response.Content?.Length ?? 0));
        }
        else if (flow.Error is { } error)
        {
            text.Append(" << ").Append(error.Message);
        }
        else
        {
            // A flow a file holds without its response: listed, where mitmdump drops it.
            text.Append(" << ").Append(NoResponse);
        }

        return text.ToString();
    }

    /// <summary>One JSON object for a flow: what the text line says, with the flow's id and times.</summary>
    internal static string Json(Flow flow)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", flow.Id);
            json.WriteString("type", flow.Type.ToString().ToLowerInvariant());
            json.WriteString("timestamp_created", flow.TimestampCreated);
            if (flow.Client.PeerName is { } client)
            {
                json.WriteString("client", $"{client.Host}:{client.Port.ToString(CultureInfo.InvariantCulture)}");
            }

            if (flow is HttpFlow http)
            {
                WriteHttp(json, http);
            }
            else
            {
                WriteOther(json, flow);
            }

            if (flow.Error is { } error)
            {
                json.WriteString("error", error.Message);
            }
            else if (flow is HttpFlow { Response: null } or DnsFlow { Response: null })
            {
                json.WriteBoolean("no_response", true);
            }

            if (flow.Marked.Length > 0)
            {
                json.WriteString("marked", flow.Marked);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteHttp(Utf8JsonWriter json, HttpFlow http)
    {
        json.WriteString("method", http.Request.Method);
        json.WriteString("url", http.Request.Url);
        json.WriteString("http_version", http.Request.HttpVersion);
        if (http.Response is { } response)
        {
            json.WriteNumber("status_code", response.StatusCode);
            json.WriteString("reason", response.Reason);
            json.WriteNumber("response_size", response.Content?.Length ?? 0);
            if (response.TimestampEnd is { } end)
            {
                json.WriteNumber("duration_ms", Math.Round((end - http.Request.TimestampStart).TotalMilliseconds, 3));
            }
        }
    }

    private static void WriteOther(Utf8JsonWriter json, Flow flow)
    {
        if (flow.Server.Address is { } server)
        {
            json.WriteString("server", $"{server.Host}:{server.Port.ToString(CultureInfo.InvariantCulture)}");
        }

        switch (flow)
        {
            case StreamFlow stream:
                json.WriteNumber("messages", stream.Messages.Count);
                json.WriteNumber("size", stream.Messages.Sum(m => (long)m.Content.Length));
                break;
            case DnsFlow dns:
                json.WriteString("op_code", dns.Request.OpCodeName);
                if (dns.Request.Questions.Count > 0)
                {
                    json.WriteString("name", dns.Request.Questions[0].Name);
                    json.WriteString("query_type", RecordType(dns.Request.Questions[0].Type));
                }

                if (dns.Response is { } response)
                {
                    json.WriteNumber("response_code", response.ResponseCode);
                    json.WriteStartArray("answers");
                    foreach (var answer in response.Answers)
                    {
                        json.WriteStringValue(RecordData(answer));
                    }

                    json.WriteEndArray();
                }

                break;
        }
    }

    /// <summary>mitmproxy's human size: 345b, 1.2k, 3.4m.</summary>
    internal static string PrettySize(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes}b"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#}k"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.#}g"),
    };

    protected override void Completed(Flow flow)
    {
        if (_detail.Value == 0 || (Volatile.Read(ref _compiled) is { } filter && !filter.Matches(flow)))
        {
            return;
        }

        var line = _json.Value ? Json(flow) : Line(flow);
        lock (_gate)
        {
            if (_output is null)
            {
                // As C's stdio: a line at a time to a terminal; to a pipe or file, buffered and flushed a few times a
                // second, since a write per flow would cost a system call each.
                _output = Output ?? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = !Console.IsOutputRedirected };
                _flusher = new Timer(_ => Flush(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
            }

            _output.WriteLine(line);
        }
    }

    private void Flush()
    {
        lock (_gate)
        {
            _output?.Flush();
        }
    }
}
