// The web interface with large captures, in Debian's headless Chromium (bench/web/run.sh starts the servers):
//   WebBench settle --pid P (--url U --token T --expect N | --http URL) --out settled.json
//       waits until a server just started has loaded its flows and gone quiet: its load time and memory
//   WebBench big --url U --token T --pid P --settled settled.json --confdir D --rounds 3 --profile DIR --out big.json
//       a host holding a million flows: time to show, a filter change, scrolling to the end, then StreamTester
//       streams of 1,000 and 10,000 flows/s with the page open
//   WebBench compare --url U --token T --pid P --settled a.json --mitmweb-url M --mitmweb-pid Q --mitmweb-settled b.json
//                    --rounds 3 --profile DIR --out cmp.json
//       the host and mitmweb 8.1.1 each holding the same 100,000 flows, measured in alternation
//   WebBench report --big big.json --compare cmp.json [--header "..."]
//       the Markdown tables
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Addons.Web.Bench;

const string Filter = "~m POST & ~u /api";

var options = ParseOptions(args.Skip(1));
switch (args.FirstOrDefault())
{
    case "settle":
        await SettleAsync();
        return 0;
    case "big":
        await BigAsync();
        return 0;
    case "compare":
        await CompareAsync();
        return 0;
    case "report":
        Report.Print(options);
        return 0;
    default:
        Console.Error.WriteLine("usage: WebBench big|compare|report --option value ... (see the head of Program.cs)");
        return 2;
}

async Task SettleAsync()
{
    var pid = Int("pid");
    Func<Task<bool>> ready;
    Api? api = null;
    if (options.TryGetValue("http", out var http))
    {
        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var address = http;
        ready = async () =>
        {
            try
            {
                using var response = await plain.GetAsync(address);
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        };
        await Settled(ready);
        return;
    }

    api = new Api(options["url"], options["token"]);
    using (api)
    {
        var expect = Int("expect");
        await Settled(async () => (await api.CountsAsync())?.Store >= expect);
    }

    async Task Settled(Func<Task<bool>> isReady)
    {
        Log($"waiting for pid {pid} to load its flows and settle");
        var seconds = await Proc.WaitIdleAsync(pid, isReady, TimeSpan.FromMinutes(10));
        var result = new JsonObject { ["loadSeconds"] = seconds, ["rssAfterLoadMiB"] = Proc.MemoryMiB(pid) };
        if (api is not null)
        {
            result["flows"] = (await api.CountsAsync())!.Value.Store;
        }

        Log($"pid {pid} settled after {seconds:0.0} s, RSS {result["rssAfterLoadMiB"]} MiB");
        await File.WriteAllTextAsync(options["out"], result.ToJsonString());
    }
}

JsonNode ReadSettled(string key) => JsonNode.Parse(File.ReadAllText(options[key]))!;

async Task BigAsync()
{
    var url = options["url"];
    var pid = Int("pid");
    var rounds = Int("rounds");
    using var api = new Api(url, options["token"]);
    var result = new JsonObject { ["filter"] = Filter, ["rounds"] = rounds };

    var settled = ReadSettled("settled");
    result["loadSeconds"] = settled["loadSeconds"]!.DeepClone();
    result["rssAfterLoadMiB"] = settled["rssAfterLoadMiB"]!.DeepClone();
    result["flows"] = settled["flows"]!.DeepClone();
    result["otherCpuBefore"] = await Proc.MachineBusyAsync(TimeSpan.FromSeconds(1));

    using var browser = new Browser(Path.Combine(options["profile"], "big"));
    result["chromium"] = browser.Version;
    // Warm-up: the first visit sets the token cookie; the server's first pages run on its first-tier JIT code.
    browser.Show($"{url}/?token={options["token"]}", PageKind.Ours);
    browser.Filter(PageKind.Ours, Filter, PageKind.Ours.FilteredCheck);
    browser.Filter(PageKind.Ours, "", PageKind.Ours.UnfilteredCheck);
    browser.ScrollToEnd(toEnd: true);

    var show = new JsonArray();
    var filter = new JsonArray();
    var filterPut = new JsonArray();
    var clear = new JsonArray();
    var scroll = new JsonArray();
    var scrollTop = new JsonArray();
    for (var round = 1; round <= rounds; round++)
    {
        show.Add(browser.Show($"{url}/", PageKind.Ours));
        await Task.Delay(500);
        filter.Add(browser.Filter(PageKind.Ours, Filter, PageKind.Ours.FilteredCheck));
        filterPut.Add(browser.LastRequestMs("/api/options"));
        await Task.Delay(500);
        clear.Add(browser.Filter(PageKind.Ours, "", PageKind.Ours.UnfilteredCheck));
        await Task.Delay(500);
        scroll.Add(Obj(browser.ScrollToEnd(toEnd: true)));
        scrollTop.Add(Obj(browser.ScrollToEnd(toEnd: false)));
        Log($"round {round}: show {show[^1]} ms, filter {filter[^1]} ms, clear {clear[^1]} ms, to the end {scroll[^1]!["ms"]} ms");
    }

    result["showMs"] = show;
    result["filterMs"] = filter;
    result["filterPutMs"] = filterPut;
    result["clearMs"] = clear;
    result["scrollEnd"] = scroll;
    result["scrollTop"] = scrollTop;
    result["filteredTotal"] = await FilteredTotalAsync(api);
    result["jsHeapMiB"] = browser.JsHeapMiB();
    result["rssAfterRoundsMiB"] = Proc.MemoryMiB(pid);

    // Streams with the page open at the top of the list, unfiltered: idle first, then 1,000 and 10,000 flows/s.
    var idleLatencies = new List<double>();
    for (var i = 0; i < 20; i++)
    {
        idleLatencies.Add(await api.TimeGetAsync("/api/flows?offset=0&limit=100"));
        await Task.Delay(250);
    }

    result["idleApiMs"] = Latency([.. idleLatencies.Order()]);
    var idle = browser.Counters();
    await Task.Delay(5000);
    result["idle"] = Rates(idle, browser.Counters());
    result["stream1k"] = await StreamAsync(browser, api, pid, rate: 1000, seconds: 10, TimeSpan.FromSeconds(5), measureFilter: false, followAt: TimeSpan.FromSeconds(5.5));
    browser.ScrollToEnd(toEnd: false);
    result["stream10k"] = await StreamAsync(browser, api, pid, rate: 10_000, seconds: 30, TimeSpan.FromSeconds(8), measureFilter: true, followAt: TimeSpan.FromSeconds(20));
    browser.ScrollToEnd(toEnd: false);
    result["rssAfterStreamsMiB"] = Proc.MemoryMiB(pid);
    result["peakRssMiB"] = Proc.MemoryMiB(pid, "VmHWM");
    result["otherCpuAfter"] = await Proc.MachineBusyAsync(TimeSpan.FromSeconds(1));
    await File.WriteAllTextAsync(options["out"], result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}

async Task<JsonObject> StreamAsync(Browser browser, Api api, int pid, int rate, int seconds, TimeSpan steadyUntil, bool measureFilter, TimeSpan followAt)
{
    var resultsFolder = Path.Combine(options["confdir"], "streamtester");
    var earlier = Directory.Exists(resultsFolder) ? Directory.GetFiles(resultsFolder, "*.json").ToHashSet() : [];
    var latencies = new ConcurrentQueue<double>();
    var lastSeconds = new ConcurrentQueue<long>();
    var finished = 0;
    using var stop = new CancellationTokenSource();

    browser.ResetResponsiveness();
    var start = browser.Counters();
    await api.CommandAsync("streamtester.start", $"rate={rate}", $"duration={seconds}s");
    var clock = Stopwatch.StartNew();
    Log($"stream of {rate:N0} flows/s for {seconds} s started");

    // The API's first page, four times a second, as another client would ask for it.
    var sampler = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            latencies.Enqueue(await api.TimeGetAsync("/api/flows?offset=0&limit=100"));
            await Task.Delay(250);
        }
    });
    // streamtester.status once a second: the rate it offered in its last second, and when it has finished.
    var status = Task.Run(async () =>
    {
        var lastSecond = new Regex(@"last second: offered ([\d,]+)");
        while (!stop.IsCancellationRequested)
        {
            var text = (await api.CommandAsync("streamtester.status"))?.GetValue<string>() ?? "";
            if (text.StartsWith("Stream finished", StringComparison.Ordinal))
            {
                Interlocked.Exchange(ref finished, 1);
            }
            else if (text.StartsWith("Stream running", StringComparison.Ordinal) && lastSecond.Match(text) is { Success: true } m)
            {
                lastSeconds.Enqueue(long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
            }

            await Task.Delay(1000);
        }
    });

    // Seconds 2 to steadyUntil: the list at its top; then (10,000 flows/s) a filter change and back; then the list
    // scrolled to its end, where it follows the new flows as mitmweb's does, until a second before the stream ends.
    await DelayUntil(clock, TimeSpan.FromSeconds(2));
    var steadyFrom = browser.Counters();
    await DelayUntil(clock, steadyUntil);
    var steadyTo = browser.Counters();
    var result = new JsonObject
    {
        ["rate"] = rate,
        ["seconds"] = seconds,
        ["steady"] = Rates(steadyFrom, steadyTo),
    };
    if (measureFilter)
    {
        var filters = new JsonArray();
        var puts = new JsonArray();
        var clears = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            filters.Add(browser.Filter(PageKind.Ours, Filter, PageKind.Ours.FilteredCheck));
            puts.Add(browser.LastRequestMs("/api/options"));
            await Task.Delay(500);
            clears.Add(browser.Filter(PageKind.Ours, "", PageKind.Ours.UnfilteredCheck));
            await Task.Delay(500);
        }

        result["filterMs"] = filters;
        result["filterPutMs"] = puts;
        result["clearMs"] = clears;
        Log($"during the stream: filter {filters.ToJsonString()} ms (the PUT {puts.ToJsonString()}), clear {clears.ToJsonString()} ms");
    }

    await DelayUntil(clock, followAt);
    browser.ScrollToBottom();
    await DelayUntil(clock, followAt + TimeSpan.FromSeconds(1));
    var followFrom = browser.Counters();
    var samples = new JsonArray();
    while (clock.Elapsed < TimeSpan.FromSeconds(seconds - 1))
    {
        samples.Add(Obj(browser.Tail()));
        await Task.Delay(500);
    }

    var followTo = browser.Counters();
    result["following"] = Rates(followFrom, followTo);
    result["followingTail"] = samples;

    var deadline = clock.Elapsed + TimeSpan.FromSeconds(seconds + 120);
    while (Volatile.Read(ref finished) == 0 && clock.Elapsed < deadline)
    {
        await Task.Delay(250);
    }

    result["finishedAfterSeconds"] = clock.Elapsed.TotalSeconds;
    result["whole"] = Rates(start, browser.Counters());
    result["responsiveness"] = Obj(browser.Responsiveness());
    await stop.CancelAsync();
    await sampler;
    await status;

    result["apiMs"] = Latency([.. latencies.Order()]);
    result["statusLastSecondOffered"] = new JsonArray([.. lastSeconds.Select(v => (JsonNode)v)]);
    var file = Directory.Exists(resultsFolder)
        ? Directory.GetFiles(resultsFolder, "*.json").Where(f => !earlier.Contains(f)).OrderBy(File.GetLastWriteTimeUtc).LastOrDefault()
        : null;
    if (file is not null)
    {
        var summary = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        result["offeredPerSecond"] = summary["offered_per_second"]?.DeepClone();
        result["offered"] = summary["offered"]?.DeepClone();
        result["persisted"] = summary["persisted"]?.DeepClone();
        result["producingSeconds"] = summary["producing_seconds"]?.DeepClone();
    }

    result["rssMiB"] = Proc.MemoryMiB(pid);
    Log($"stream of {rate:N0} flows/s: offered {result["offeredPerSecond"]} flows/s; page got {result["steady"]!["messagesPerSecond"]} messages/s, {result["steady"]!["kbPerSecond"]} KB/s");
    return result;
}

async Task CompareAsync()
{
    var ours = (Url: options["url"], Pid: Int("pid"));
    var theirs = (Url: options["mitmweb-url"], Pid: Int("mitmweb-pid"));
    var rounds = Int("rounds");
    using var api = new Api(ours.Url, options["token"]);
    using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };
    var result = new JsonObject { ["filter"] = Filter, ["rounds"] = rounds };

    var o = ReadSettled("settled").AsObject();
    var t = ReadSettled("mitmweb-settled").AsObject();
    // mitmweb's page asks for every flow at once; its size and time, and the count, from one GET /flows.
    var clock = Stopwatch.StartNew();
    var all = await plain.GetByteArrayAsync(theirs.Url + "/flows");
    t["getFlowsMs"] = clock.Elapsed.TotalMilliseconds;
    t["getFlowsMiB"] = all.Length / 1048576.0;
    using (var doc = JsonDocument.Parse(all))
    {
        t["flows"] = doc.RootElement.GetArrayLength();
    }

    all = [];
    o["getFlowsMs"] = await api.TimeGetAsync("/api/flows?offset=0&limit=60");
    Log($"ours {o["flows"]} flows, loaded after {o["loadSeconds"]} s; mitmweb {t["flows"]} flows, loaded after {t["loadSeconds"]} s");
    result["otherCpuBefore"] = await Proc.MachineBusyAsync(TimeSpan.FromSeconds(1));

    using var browser = new Browser(Path.Combine(options["profile"], "compare"));
    result["chromium"] = browser.Version;
    // Warm-up of both: the cookie, the servers' first requests, the browser's cache of the static files.
    browser.Show($"{ours.Url}/?token={options["token"]}", PageKind.Ours);
    browser.Filter(PageKind.Ours, Filter, PageKind.Ours.FilteredCheck);
    browser.Filter(PageKind.Ours, "", PageKind.Ours.UnfilteredCheck);
    browser.Show($"{theirs.Url}/", PageKind.Mitmweb);
    browser.Filter(PageKind.Mitmweb, Filter, PageKind.Mitmweb.FilteredCheck);
    browser.Filter(PageKind.Mitmweb, "", PageKind.Mitmweb.UnfilteredCheck);

    foreach (var side in new[] { o, t })
    {
        side["showMs"] = new JsonArray();
        side["filterMs"] = new JsonArray();
        side["clearMs"] = new JsonArray();
        side["jsHeapMiB"] = new JsonArray();
        side["transferredMiB"] = new JsonArray();
    }

    for (var round = 1; round <= rounds; round++)
    {
        foreach (var (side, kind, url, pid) in new[] { (o, PageKind.Ours, ours.Url, ours.Pid), (t, PageKind.Mitmweb, theirs.Url, theirs.Pid) })
        {
            side["showMs"]!.AsArray().Add(browser.Show($"{url}/", kind));
            await Task.Delay(500);
            side["jsHeapMiB"]!.AsArray().Add(browser.JsHeapMiB());
            side["transferredMiB"]!.AsArray().Add(browser.Transferred()["totalMiB"]);
            side["filterMs"]!.AsArray().Add(browser.Filter(kind, Filter, kind.FilteredCheck));
            side["rssAfterFilterMiB"] = Proc.MemoryMiB(pid);
            await Task.Delay(500);
            side["clearMs"]!.AsArray().Add(browser.Filter(kind, "", kind.UnfilteredCheck));
            await Task.Delay(500);
            Log($"round {round}, {kind.Name}: show {side["showMs"]![round - 1]} ms, filter {side["filterMs"]![round - 1]} ms, clear {side["clearMs"]![round - 1]} ms");
        }
    }

    o["peakRssMiB"] = Proc.MemoryMiB(ours.Pid, "VmHWM");
    t["peakRssMiB"] = Proc.MemoryMiB(theirs.Pid, "VmHWM");
    o["filteredTotal"] = await FilteredTotalAsync(api);
    result["ours"] = o;
    result["mitmweb"] = t;
    result["otherCpuAfter"] = await Proc.MachineBusyAsync(TimeSpan.FromSeconds(1));
    await File.WriteAllTextAsync(options["out"], result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}

// How many flows the filter shows, asked of the View once (the filter is then cleared again).
static async Task<long> FilteredTotalAsync(Api api)
{
    var (total, _) = await api.SetFilterAsync(Filter);
    await api.SetFilterAsync("");
    return total;
}

int Int(string name) => int.Parse(options[name], CultureInfo.InvariantCulture);

static JsonObject Rates(Dictionary<string, double> from, Dictionary<string, double> to)
{
    var seconds = (to["now"] - from["now"]) / 1000;
    return new JsonObject
    {
        ["seconds"] = seconds,
        ["messagesPerSecond"] = (to["recv"] - from["recv"]) / seconds,
        ["kbPerSecond"] = (to["bytes"] - from["bytes"]) / 1000 / seconds,
        ["pagesPerSecond"] = (to["pages"] - from["pages"]) / seconds,
        ["windowsSent"] = to["windows"] - from["windows"],
    };
}

static JsonObject Obj(Dictionary<string, double> values) => new([.. values.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);

static JsonObject Latency(double[] sorted) => new()
{
    ["samples"] = sorted.Length,
    ["p50"] = Quantile(sorted, 0.5),
    ["p95"] = Quantile(sorted, 0.95),
    ["max"] = sorted.LastOrDefault(),
};

static double Quantile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];

static async Task DelayUntil(Stopwatch clock, TimeSpan at)
{
    var wait = at - clock.Elapsed;
    if (wait > TimeSpan.Zero)
    {
        await Task.Delay(wait);
    }
}

static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    string? key = null;
    foreach (var arg in args)
    {
        if (key is null && arg.StartsWith("--", StringComparison.Ordinal))
        {
            key = arg[2..];
        }
        else if (key is not null)
        {
            result[key] = arg;
            key = null;
        }
    }

    return result;
}
