using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.View;

// The View at scale: the same synthetic flows and operations as bench/view/mitmproxy_view_bench.py.
var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
var json = args.Contains("--json");
var filters = new[] { "~m POST & ~u /api", "~c 404 | ~h \"x-debug\"", "~b secret" };

if (args.Contains("--probe"))
{
    // Where does add time go? The same adds on flows without bodies, straight into the model.
    var light = SyntheticFlows.Generate(count, seed: 1);
    foreach (var f in light)
    {
        f.Request.Content = [];
        f.Response!.Content = [];
    }

    GC.Collect();
    var probe = new FlowView(_ => { });
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < light.Length; i += 1000)
    {
        probe.Add(light[i..Math.Min(i + 1000, light.Length)]);
    }

    Console.WriteLine($"probe add: {count / watch.Elapsed.TotalSeconds:N0} flows/s");
    return;
}

// Steady state, as in a proxy that has been running: every operation once on other flows, so that the measured
// passes run optimized code rather than the JIT's first tier.
var warmUp = new ViewAddon();
var warmUpFlows = SyntheticFlows.Generate(Math.Min(count, 50_000), seed: 2);
for (var i = 0; i < warmUpFlows.Length; i += 1000)
{
    warmUp.Add(warmUpFlows[i..Math.Min(i + 1000, warmUpFlows.Length)]);
}

for (var round = 0; round < 3; round++)
{
    foreach (var expression in filters)
    {
        warmUp.Model.SetFilter(FlowFilter.Parse(expression));
    }

    warmUp.Model.SetFilter(null);
    foreach (var order in OrderKey.All)
    {
        warmUp.Model.SetOrder(order);
    }
}

warmUp = null;
warmUpFlows = null;
Thread.Sleep(500);

var baseline = GC.GetTotalMemory(forceFullCollection: true);
var flows = SyntheticFlows.Generate(count, seed: 1);
var afterFlows = GC.GetTotalMemory(forceFullCollection: true);

var view = new ViewAddon();
var gen2Before = GC.CollectionCount(2);
var gen0Before = GC.CollectionCount(0);
var pauseBefore = GC.GetTotalPauseDuration();
var clock = Stopwatch.StartNew();
for (var i = 0; i < flows.Length; i += 1000)
{
    view.Add(flows[i..Math.Min(i + 1000, flows.Length)]);
}

var addSeconds = clock.Elapsed.TotalSeconds;
var addGen2 = GC.CollectionCount(2) - gen2Before;
var addGcs = GC.CollectionCount(0) - gen0Before;
var addPause = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;
var afterAdd = GC.GetTotalMemory(forceFullCollection: true);
var model = view.Model;

var filterResults = new Dictionary<string, object>();
foreach (var expression in filters)
{
    var filter = FlowFilter.Parse(expression);
    clock.Restart();
    model.SetFilter(filter);
    filterResults[expression] = new { seconds = clock.Elapsed.TotalSeconds, matched = model.Count };
}

model.SetFilter(null);

// The floor for ~b: reading every body byte once, on both cores, looking for a byte that never occurs.
clock.Restart();
Parallel.For(0, 2, part =>
{
    var found = 0;
    for (var i = part; i < flows.Length; i += 2)
    {
        found += flows[i].Request.Content!.AsSpan().IndexOf((byte)0xFF) + flows[i].Response!.Content!.AsSpan().IndexOf((byte)0xFF);
    }

    GC.KeepAlive(found);
});
var bodyFloorSeconds = clock.Elapsed.TotalSeconds;
var bodyBytes = flows.Sum(f => (long)f.Request.Content!.Length + f.Response!.Content!.Length);

var orderResults = new Dictionary<string, double>();
var orderPauses = new Dictionary<string, double>();
foreach (var order in new[] { OrderKey.Method, OrderKey.Url, OrderKey.Size, OrderKey.Time })
{
    var pause = GC.GetTotalPauseDuration();
    clock.Restart();
    model.SetOrder(order);
    orderResults[order.Name] = clock.Elapsed.TotalSeconds;
    orderPauses[order.Name] = (GC.GetTotalPauseDuration() - pause).TotalSeconds;
}

clock.Restart();
model.SetReversed(true);
var reverseSeconds = clock.Elapsed.TotalSeconds;

var result = new
{
    impl = "Addons View (.NET " + Environment.Version + ")",
    flows = count,
    add_flows_per_s = count / addSeconds,
    filters = filterResults,
    orders = orderResults,
    reverse_seconds = reverseSeconds,
    body_read_floor_seconds = bodyFloorSeconds,
    bytes_per_flow = (double)(afterAdd - baseline) / count,
    view_bytes_per_flow = (double)(afterAdd - afterFlows) / count,
};
GC.KeepAlive(flows);
if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(result));
    return;
}

Console.WriteLine($"{result.impl}, {count:N0} flows");
Console.WriteLine($"add: {result.add_flows_per_s:N0} flows/s ({addSeconds:0.000} s, {addGen2} full GCs, {addGcs} GCs pausing {addPause:0.000} s)");
foreach (var (expression, value) in filterResults)
{
    Console.WriteLine($"filter {expression}: {value}");
}

Console.WriteLine($"floor for ~b: reading the {bodyBytes / 1e9:0.00} GB of bodies once takes {bodyFloorSeconds:0.000} s");
foreach (var (order, seconds) in orderResults)
{
    Console.WriteLine($"order {order}: {seconds:0.000} s (GC pauses {orderPauses[order]:0.000} s)");
}

Console.WriteLine($"reverse: {reverseSeconds:0.000000} s");
Console.WriteLine($"memory: {result.bytes_per_flow:N0} bytes per flow with the flow itself, {result.view_bytes_per_flow:N0} of them the View's");

/// <summary>Flows with mitmproxy_view_bench.py's distribution: methods, hosts, paths, statuses, 0-4 KB bodies.</summary>
internal static class SyntheticFlows
{
    public static HttpFlow[] Generate(int count, int seed)
    {
        var random = new Random(seed);
        var flows = new HttpFlow[count];
        var start = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        for (var i = 0; i < count; i++)
        {
            var method = Pick(random, ("GET", 60), ("POST", 25), ("PUT", 10), ("DELETE", 5));
            var n = random.Next(100_000);
            var path = Pick(random, ($"/api/v1/items/{n}", 40), ($"/static/app{n}.js", 30), ("/index.html", 20), ($"/search?q={n}", 10));
            var status = int.Parse(Pick(random, ("200", 70), ("404", 15), ("500", 5), ("301", 10)), System.Globalization.CultureInfo.InvariantCulture);
            var host = $"host{random.Next(50)}.example";
            var request = new HttpRequest
            {
                Method = method,
                Scheme = "http",
                Host = host,
                Port = 80,
                Path = path,
                Headers = new HttpHeaders(("Host", host), ("User-Agent", "bench")),
                Content = Body(random, random.Next(4097), random.Next(100) == 0),
                TimestampStart = start.AddMilliseconds(i),
            };
            if (random.Next(100) < 5)
            {
                request.Headers.Add("X-Debug", "1");
            }

            var response = new HttpResponse
            {
                StatusCode = status,
                Reason = ReasonPhrases.For(status),
                Headers = new HttpHeaders(("Content-Type", "text/html")),
                Content = Body(random, random.Next(4097), false),
            };
            flows[i] = new HttpFlow { Request = request, Response = response, TimestampCreated = start.AddMilliseconds(i) };
        }

        return flows;
    }

    private static string Pick(Random random, params (string Value, int Weight)[] choices)
    {
        var roll = random.Next(100);
        foreach (var (value, weight) in choices)
        {
            if (roll < weight)
            {
                return value;
            }

            roll -= weight;
        }

        return choices[^1].Value;
    }

    private static byte[] Body(Random random, int length, bool secret)
    {
        var body = new byte[length];
        for (var i = 0; i < length; i++)
        {
            body[i] = (byte)('a' + random.Next(26));
        }

        if (secret && length >= 6)
        {
            Encoding.ASCII.GetBytes("secret").CopyTo(body, random.Next(length - 5));
        }

        return body;
    }
}
