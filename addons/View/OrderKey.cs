using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>The orders of mitmproxy's View: time (creation), method, url and size (request plus response body).</summary>
internal sealed class OrderKey
{
    public static readonly OrderKey Time = new("time", f => new SortKey(f.TimestampCreated.UtcTicks, null));

    public static readonly OrderKey Method = new("method", f => new SortKey(0, f is HttpFlow h ? h.Request.Method.ToUpperInvariant() : f.Type.ToString().ToUpperInvariant()));

    public static readonly OrderKey Url = new("url", f => new SortKey(0, f is HttpFlow h ? h.Request.Url : f.Server.Address?.ToString() ?? ""));

    public static readonly OrderKey Size = new("size", f => new SortKey(f is HttpFlow h ? (h.Request.Content?.Length ?? 0) + (h.Response?.Content?.Length ?? 0) : 0, null));

    /// <summary>The names, sorted, as view.order.options lists them.</summary>
    public static readonly IReadOnlyList<OrderKey> All = [Method, Size, Time, Url];

    private readonly Func<Flow, SortKey> _key;

    private OrderKey(string name, Func<Flow, SortKey> key)
    {
        Name = name;
        _key = key;
    }

    public string Name { get; }

    public static OrderKey? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    public SortKey KeyOf(Flow flow) => _key(flow);

    public override string ToString() => Name;
}
