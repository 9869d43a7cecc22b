using Addons.Abstractions.Flows;

namespace Addons.Session.Storage;

/// <summary>
/// The summary columns of one segment row as read (see <see cref="SegmentColumn.Read"/>), before they make a
/// <see cref="FlowSummary"/>. One instance serves every row of a query: each row sets every property again.
/// </summary>
internal sealed class SummaryRow(TextPool texts)
{
    /// <summary>Shares one string among the repeated texts (methods, hosts, markers) of the query's rows.</summary>
    public TextPool Texts { get; } = texts;

    public Guid Id { get; set; }

    /// <summary>Creation time in <see cref="UnixTicks"/>.</summary>
    public long Timestamp { get; set; }

    public string Method { get; set; } = "";

    public string Host { get; set; } = "";

    public string Url { get; set; } = "";

    public int? Status { get; set; }

    public long? RequestSize { get; set; }

    public long? ResponseSize { get; set; }

    public string Marker { get; set; } = "";

    public bool HasError { get; set; }

    /// <summary>The URL as the client saw it, or null when it is <see cref="Url"/>.</summary>
    public string? PrettyUrl { get; set; }

    public string? PrettyHost { get; set; }

    public FlowSummary ToSummary() => new()
    {
        Id = Id,
        Type = FlowType.Http,
        TimestampCreated = CreatedAt(),
        Method = Method,
        Url = Url,
        PrettyUrl = PrettyUrl ?? Url,
        Host = Host,
        PrettyHost = PrettyHost,
        StatusCode = Status,
        HasError = HasError,
        Size = (RequestSize ?? 0) + (ResponseSize ?? 0),
        Marked = Marker,
    };

    /// <exception cref="InvalidDataException">The stored time is outside the dates .NET can hold: the row is damaged.</exception>
    private DateTimeOffset CreatedAt()
    {
        try
        {
            return UnixTicks.To(Timestamp);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"flow {Id} has a creation time ({Timestamp} ticks after 1970) outside the dates it can hold, so its row is damaged.", e);
        }
    }
}
