using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// The orders of mitmproxy's View: time (creation), method, url and size (request plus response body). Time and size
/// are numbers; method and url are texts compared ordinally.
/// </summary>
internal sealed class OrderKey
{
    public static readonly OrderKey Time = new("time", f => f.TimestampCreated.UtcTicks);

    public static readonly OrderKey Method = new("method", f => f is HttpFlow h ? h.Request.Method.ToUpperInvariant() : f.Type.ToString().ToUpperInvariant());

    public static readonly OrderKey Url = new("url", f => f is HttpFlow h ? h.Request.Url : f.Server.Address?.ToString() ?? "");

    public static readonly OrderKey Size = new("size", f => f is HttpFlow h ? (h.Request.Content?.Length ?? 0) + (h.Response?.Content?.Length ?? 0) : 0);

    /// <summary>The names, sorted, as view.order.options lists them.</summary>
    public static readonly IReadOnlyList<OrderKey> All = [Method, Size, Time, Url];

    private readonly Func<Flow, long>? _number;
    private readonly Func<Flow, string>? _text;

    private OrderKey(string name, Func<Flow, long> number)
    {
        Name = name;
        _number = number;
    }

    private OrderKey(string name, Func<Flow, string> text)
    {
        Name = name;
        _text = text;
    }

    public string Name { get; }

    /// <summary>Whether the key is a text (compared ordinally) rather than a number.</summary>
    public bool IsText => _text is not null;

    public static OrderKey? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>The key of a numeric order.</summary>
    public long NumberOf(Flow flow) => _number is { } number ? number(flow) : throw new InvalidOperationException($"The {Name} order is a text.");

    /// <summary>The key of a text order.</summary>
    public string TextOf(Flow flow) => _text is { } text ? text(flow) : throw new InvalidOperationException($"The {Name} order is a number.");

    public override string ToString() => Name;
}
