using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Filters;
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

if (args.Contains("--order-probe"))
{
    // The order changes alone, five times each, on flows whose bodies are zeros (quick to make; orders read no body).
    var light = SyntheticFlows.Generate(count, seed: 1, withBodies: false);
    if (args.Contains("--compact"))
    {
        GC.GetTotalMemory(forceFullCollection: true);
    }

    var probe = new FlowView(_ => { });
    for (var i = 0; i < light.Length; i += 1000)
    {
        probe.Add(light[i..Math.Min(i + 1000, light.Length)]);
    }

    foreach (var order in new[] { OrderKey.Method, OrderKey.Url, OrderKey.Size, OrderKey.Time })
    {
        var times = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            probe.SetOrder(OrderKey.Time);
            GC.Collect();
            var watch = Stopwatch.StartNew();
            probe.SetOrder(order);
            times.Add(watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"order {order}: {string.Join(" ", times.Select(t => t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))} s");
    }

    return;
}

// Steady state, as in a proxy that has been running: every operation on other flows until the runtime has compiled
// its optimized code (a method is recompiled after 30 calls, in the background), so that the measured passes do not
// run the JIT's first tier. The first change of each order in a fresh process costs up to 3x what is measured here.
var warmUp = new ViewAddon();
var warmUpFlows = SyntheticFlows.Generate(Math.Min(count, 50_000), seed: 2);
for (var round = 0; round < 12; round++)
{
    warmUp = new ViewAddon();
    for (var i = 0; i < warmUpFlows.Length; i += 1000)
    {
        warmUp.Add(warmUpFlows[i..Math.Min(i + 1000, warmUpFlows.Length)]);
    }

    foreach (var expression in filters)
    {
        warmUp.Model.SetFilter(FlowFilter.Parse(expression));
    }

    warmUp.Model.SetFilter(null);
    foreach (var order in OrderKey.All)
    {
        warmUp.Model.SetOrder(order);
    }

    Thread.Sleep(100);
}

warmUp = null;
warmUpFlows = null;
Thread.Sleep(500);

// Each operation is measured Repeats times and the median reported; this machine's timings vary by up to 1.5x.
const int Repeats = 3;
var baseline = GC.GetTotalMemory(forceFullCollection: true);
var flows = SyntheticFlows.Generate(count, seed: 1);
var afterFlows = GC.GetTotalMemory(forceFullCollection: true);

ViewAddon view = null!;
var addTimes = new List<double>();
var addGen2 = 0;
var addGcs = 0;
var addPause = 0.0;
var clock = new Stopwatch();
for (var repeat = 0; repeat < Repeats; repeat++)
{
    view = null!;
    GC.Collect();
    view = new ViewAddon();
    var gen2Before = GC.CollectionCount(2);
    var gen0Before = GC.CollectionCount(0);
    var pauseBefore = GC.GetTotalPauseDuration();
    clock.Restart();
    for (var i = 0; i < flows.Length; i += 1000)
    {
        view.Add(flows[i..Math.Min(i + 1000, flows.Length)]);
    }

    addTimes.Add(clock.Elapsed.TotalSeconds);
    addGen2 = GC.CollectionCount(2) - gen2Before;
    addGcs = GC.CollectionCount(0) - gen0Before;
    addPause = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;
}

var addSeconds = Median(addTimes);
var afterAdd = GC.GetTotalMemory(forceFullCollection: true);
var model = view.Model;

var filterResults = new Dictionary<string, object>();
var filterTimes = new Dictionary<string, List<double>>();
foreach (var expression in filters)
{
    var filter = FlowFilter.Parse(expression);
    var times = filterTimes[expression] = [];
    for (var repeat = 0; repeat < Repeats; repeat++)
    {
        model.SetFilter(null);
        clock.Restart();
        model.SetFilter(filter);
        times.Add(clock.Elapsed.TotalSeconds);
    }

    filterResults[expression] = new { seconds = Median(times), matched = model.Count };
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
var orderTimes = new Dictionary<string, List<double>>();
var orderPauses = new Dictionary<string, double>();
foreach (var order in new[] { OrderKey.Method, OrderKey.Url, OrderKey.Size, OrderKey.Time })
{
    var times = orderTimes[order.Name] = [];
    var pause = GC.GetTotalPauseDuration();
    for (var repeat = 0; repeat < Repeats; repeat++)
    {
        // A change of order, from another one each time.
        model.SetOrder(order == OrderKey.Time ? OrderKey.Size : OrderKey.Time);
        clock.Restart();
        model.SetOrder(order);
        times.Add(clock.Elapsed.TotalSeconds);
    }

    orderResults[order.Name] = Median(times);
    orderPauses[order.Name] = (GC.GetTotalPauseDuration() - pause).TotalSeconds / Repeats;
}

clock.Restart();
model.SetReversed(true);
var reverseSeconds = clock.Elapsed.TotalSeconds;

var result = new
{
    impl = "Addons View (.NET " + Environment.Version + ")",
    flows = count,
    repeats = Repeats,
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
Console.WriteLine($"each figure is the median of {Repeats} passes, the passes in brackets");
Console.WriteLine($"add: {result.add_flows_per_s:N0} flows/s ({addSeconds:0.000} s [{Seconds(addTimes)}], last pass {addGen2} full GCs, {addGcs} GCs pausing {addPause:0.000} s)");
foreach (var (expression, value) in filterResults)
{
    Console.WriteLine($"filter {expression}: {value} [{Seconds(filterTimes[expression])}]");
}

Console.WriteLine($"floor for ~b: reading the {bodyBytes / 1e9:0.00} GB of bodies once takes {bodyFloorSeconds:0.000} s");
foreach (var (order, seconds) in orderResults)
{
    Console.WriteLine($"order {order}: {seconds:0.000} s [{Seconds(orderTimes[order])}] (GC pauses {orderPauses[order]:0.000} s a pass)");
}

Console.WriteLine($"reverse: {reverseSeconds:0.000000} s");
Console.WriteLine($"memory: {result.bytes_per_flow:N0} bytes per flow with the flow itself, {result.view_bytes_per_flow:N0} of them the View's");

static double Median(List<double> times) => times.Order().ElementAt(times.Count / 2);

static string Seconds(List<double> times) => string.Join(" ", times.Select(t => t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)));

/// <summary>Flows with mitmproxy_view_bench.py's distribution: methods, hosts, paths, statuses, 0-4 KB bodies.</summary>
internal static class SyntheticFlows
{
    public static HttpFlow[] Generate(int count, int seed, bool withBodies = true)
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
                Content = Body(random, random.Next(4097), random.Next(100) == 0, withBodies),
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
                Content = Body(random, random.Next(4097), false, withBodies),
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

    private static byte[] Body(Random random, int length, bool secret, bool withBody)
    {
        if (!withBody)
        {
            // The same sizes and layout in memory, filled faster (random bytes rather than letters).
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

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
