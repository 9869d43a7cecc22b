using System.Globalization;

namespace Addons.Abstractions.Flows;

/// <summary>
/// A DNS query and its answer (mitmproxy's <c>DNSFlow</c>, contract 1.3). Its hooks are <c>dns_request</c>,
/// <c>dns_response</c> and <c>dns_error</c>; setting <see cref="Response"/> in <c>dns_request</c> answers the client.
/// </summary>
public sealed class DnsFlow : Flow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Dns;

    /// <summary>The query.</summary>
    public DnsMessage Request { get; set; } = new();

    /// <summary>The answer, or <c>null</c> before one arrives.</summary>
    public DnsMessage? Response { get; set; }

    /// <inheritdoc />
    public override DnsFlow Copy()
    {
        var copy = new DnsFlow { Request = Request.Clone(), Response = Response?.Clone() };
        CopyTo(copy);
        return copy;
    }
}

/// <summary>A DNS message (RFC 1035 section 4), query or response.</summary>
public sealed class DnsMessage
{
    /// <summary>The transaction id.</summary>
    public int Id { get; set; }

    /// <summary>Whether this is a query (QR bit clear).</summary>
    public bool Query { get; set; } = true;

    /// <summary>The operation code: 0 QUERY, 1 IQUERY, 2 STATUS, 4 NOTIFY, 5 UPDATE.</summary>
    public int OpCode { get; set; }

    /// <summary>The AA bit.</summary>
    public bool AuthoritativeAnswer { get; set; }

    /// <summary>The TC bit.</summary>
    public bool Truncation { get; set; }

    /// <summary>The RD bit.</summary>
    public bool RecursionDesired { get; set; }

    /// <summary>The RA bit.</summary>
    public bool RecursionAvailable { get; set; }

    /// <summary>The Z bits.</summary>
    public int Reserved { get; set; }

    /// <summary>The response code: 0 NOERROR, 1 FORMERR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED.</summary>
    public int ResponseCode { get; set; }

    /// <summary>The question section.</summary>
    public List<DnsQuestion> Questions { get; set; } = [];

    /// <summary>The answer section.</summary>
    public List<DnsResourceRecord> Answers { get; set; } = [];

    /// <summary>The authority section.</summary>
    public List<DnsResourceRecord> Authorities { get; set; } = [];

    /// <summary>The additional section.</summary>
    public List<DnsResourceRecord> Additionals { get; set; } = [];

    /// <summary>When the message was received.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The name of <see cref="OpCode"/> as mitmproxy gives it (<c>QUERY</c>, <c>IQUERY</c>...), or <c>OPCODE(n)</c>.</summary>
    public string OpCodeName => OpCode switch
    {
        0 => "QUERY",
        1 => "IQUERY",
        2 => "STATUS",
        4 => "NOTIFY",
        5 => "UPDATE",
        6 => "DSO",
        _ => string.Create(CultureInfo.InvariantCulture, $"OPCODE({OpCode})"),
    };

    /// <summary>The length of the record data of every answer, authority and additional record: what mitmproxy's View orders DNS flows by as their size.</summary>
    public long RecordDataLength => Answers.Concat(Authorities).Concat(Additionals).Sum(r => (long)r.Data.Length);

    /// <summary>A deep copy of this message.</summary>
    public DnsMessage Clone() => new()
    {
        Id = Id,
        Query = Query,
        OpCode = OpCode,
        AuthoritativeAnswer = AuthoritativeAnswer,
        Truncation = Truncation,
        RecursionDesired = RecursionDesired,
        RecursionAvailable = RecursionAvailable,
        Reserved = Reserved,
        ResponseCode = ResponseCode,
        Questions = [.. Questions],
        Answers = [.. Answers.Select(r => r with { Data = r.Data.ToArray() })],
        Authorities = [.. Authorities.Select(r => r with { Data = r.Data.ToArray() })],
        Additionals = [.. Additionals.Select(r => r with { Data = r.Data.ToArray() })],
        Timestamp = Timestamp,
    };
}

/// <summary>A question: a name, a record type (1 A, 28 AAAA, 5 CNAME...) and a class (1 IN).</summary>
public sealed record DnsQuestion(string Name, int Type = 1, int Class = 1);

/// <summary>A resource record: its name, type, class, time to live in seconds, and its data as sent (an A record's four address bytes).</summary>
public sealed record DnsResourceRecord(string Name, int Type, int Class, long Ttl, byte[] Data);
