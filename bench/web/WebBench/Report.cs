using System.Globalization;
using System.Text.Json.Nodes;

namespace Addons.Web.Bench;

/// <summary>The Markdown tables of a run (medians of the rounds), and the issue's targets checked.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Print(IReadOnlyDictionary<string, string> options)
    {
        var big = JsonNode.Parse(File.ReadAllText(options["big"]))!;
        var cmp = JsonNode.Parse(File.ReadAllText(options["compare"]))!;
        var rounds = big["rounds"]!.GetValue<int>();
        var filter = big["filter"]!.GetValue<string>();
        var checks = new List<(bool Ok, string Text)>();

        if (options.TryGetValue("header", out var header))
        {
            Console.WriteLine("```");
            Console.WriteLine(header + string.Create(Inv,
                $"; Chromium {big["chromium"]}; CPU use by other processes {Pct(big["otherCpuBefore"])} before, {Pct(big["otherCpuAfter"])} after the 1M part, {Pct(cmp["otherCpuBefore"])} before and {Pct(cmp["otherCpuAfter"])} after the comparison"));
            Console.WriteLine("```");
            Console.WriteLine();
        }

        // The million.
        var show = Median(big["showMs"]) / 1000;
        var filt = Median(big["filterMs"]) / 1000;
        var clear = Median(big["clearMs"]) / 1000;
        var ends = big["scrollEnd"]!.AsArray();
        var tops = big["scrollTop"]!.AsArray();
        var onePage = ends.All(e => e!["windows"]!.GetValue<double>() == 1 && e["pages"]!.GetValue<double>() == 1 && e["http"]!.GetValue<double>() == 0);
        checks.Add((show < 1, string.Create(Inv, $"first page at 1M flows under 1 s ({show:0.000} s)")));
        checks.Add((filt < 1, string.Create(Inv, $"a filter change shows its first page under 1 s at 1M flows ({filt:0.000} s)")));
        checks.Add((onePage, "scrolling to the end fetches one page (one window message, one page message, no HTTP request, in every round)"));
        Console.WriteLine(string.Create(Inv, $"| {big["flows"]!.GetValue<long>():N0} flows, half of them cold; medians of {rounds} rounds | addons web | target |"));
        Console.WriteLine("| --- | ---: | :---: |");
        Console.WriteLine(string.Create(Inv, $"| host start to settled (restoring the session file) | {big["loadSeconds"]!.GetValue<double>():0.0} s | |"));
        Console.WriteLine(string.Create(Inv, $"| time to show: navigation to the first row painted | {show:0.000} s | < 1 s {Mark(show < 1)} |"));
        Console.WriteLine(string.Create(Inv, $"| filter `{filter}` ({big["filteredTotal"]!.GetValue<long>():N0} shown): Enter to its first page painted | {filt:0.000} s | < 1 s {Mark(filt < 1)} |"));
        Console.WriteLine(string.Create(Inv, $"| ... of it the `PUT /api/options` (the View refilters before it answers) | {Median(big["filterPutMs"]) / 1000:0.000} s | |"));
        Console.WriteLine(string.Create(Inv, $"| filter cleared: Enter to the first page painted | {clear:0.000} s | |"));
        Console.WriteLine(string.Create(Inv, $"| scroll to the end in one move: last row painted | {Median(ends, "ms") / 1000:0.000} s | |"));
        Console.WriteLine(string.Create(Inv, $"| ... window messages sent / page messages received / HTTP requests | {Median(ends, "windows"):0} / {Median(ends, "pages"):0} / {Median(ends, "http"):0} | one page {Mark(onePage)} |"));
        Console.WriteLine(string.Create(Inv, $"| scroll back to the top: first row painted | {Median(tops, "ms") / 1000:0.000} s | |"));
        Console.WriteLine(string.Create(Inv, $"| host RSS after loading / after the rounds / peak (VmHWM, streams included) | {Mib(big["rssAfterLoadMiB"])} / {Mib(big["rssAfterRoundsMiB"])} / {Mib(big["peakRssMiB"])} MiB | |"));
        Console.WriteLine(string.Create(Inv, $"| page's JavaScript heap | {big["jsHeapMiB"]!.GetValue<double>():0.0} MiB | |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"Rounds (ms): show {List(big["showMs"])}; filter {List(big["filterMs"])} (the PUT {List(big["filterPutMs"])}); clear {List(big["clearMs"])}; to the end {List(ends, "ms")} (windows {List(ends, "windows")}, pages {List(ends, "pages")})."));
        Console.WriteLine();

        // The streams.
        var idle = big["idle"]!;
        var s1 = big["stream1k"]!;
        var s10 = big["stream10k"]!;
        var offered10 = s10["offeredPerSecond"]?.GetValue<double>() ?? double.NaN;
        var bytes1 = s1["steady"]!["kbPerSecond"]!.GetValue<double>();
        var bytes10 = s10["steady"]!["kbPerSecond"]!.GetValue<double>();
        var pages10 = s10["steady"]!["pagesPerSecond"]!.GetValue<double>();
        var streamFilter = Median(s10["filterMs"]) / 1000;
        var apiP95 = s10["apiMs"]!["p95"]!.GetValue<double>();
        var gap = s10["responsiveness"]!["maxGap"]!.GetValue<double>();
        checks.Add((offered10 >= 9_900, string.Create(Inv, $"the stream reached 10,000 flows/s ({offered10:N0} offered on average over its producing time)")));
        checks.Add((bytes10 <= 1.5 * bytes1 && pages10 <= 10.5, string.Create(Inv, $"WebSocket traffic bounded: {bytes10:N0} KB/s at 10,000 flows/s against {bytes1:N0} KB/s at 1,000, {pages10:0.0} pages/s (at most 10)")));
        checks.Add((streamFilter < 1 && apiP95 < 250 && gap < 250, string.Create(Inv, $"the page responsive under the stream: a filter change {streamFilter:0.000} s (< 1 s), GET of the first page p95 {apiP95:0} ms (< 250 ms), longest frame gap {gap:0} ms (< 250 ms)")));
        Console.WriteLine("| the page open at the list's top, unfiltered | idle | 1,000 flows/s for 10 s | 10,000 flows/s for 30 s |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(Inv, $"| offered by the StreamTester, flows/s (its result file; status's last seconds) | | {Offered(s1)} | {Offered(s10)} |"));
        Console.WriteLine(string.Create(Inv, $"| WebSocket messages/s received by the page (steady, at the top: seconds 2 to 5 at 1,000/s, 2 to 8 at 10,000/s) | {Rate(idle, "messagesPerSecond")} | {Rate(s1["steady"], "messagesPerSecond")} | {Rate(s10["steady"], "messagesPerSecond")} |"));
        Console.WriteLine(string.Create(Inv, $"| ... of them page messages/s | {Rate(idle, "pagesPerSecond")} | {Rate(s1["steady"], "pagesPerSecond")} | {Rate(s10["steady"], "pagesPerSecond")} |"));
        Console.WriteLine(string.Create(Inv, $"| WebSocket KB/s received (steady) | {Rate(idle, "kbPerSecond")} | {Rate(s1["steady"], "kbPerSecond")} | {Rate(s10["steady"], "kbPerSecond")} |"));
        Console.WriteLine(string.Create(Inv, $"| WebSocket KB/s over the whole stream and its drain | | {Rate(s1["whole"], "kbPerSecond")} | {Rate(s10["whole"], "kbPerSecond")} |"));
        Console.WriteLine(string.Create(Inv, $"| `GET /api/flows?offset=0&limit=100` p50 / p95 / max, ms (4 a second) | {Lat(big["idleApiMs"])} | {Lat(s1["apiMs"])} | {Lat(s10["apiMs"])} |"));
        Console.WriteLine(string.Create(Inv, $"| filter `{filter}` during the stream, 3 times: Enter to its first page / of it the `PUT /api/options` / cleared (medians) | | | {streamFilter:0.000} / {Median(s10["filterPutMs"]) / 1000:0.000} / {Median(s10["clearMs"]) / 1000:0.000} s |"));
        Console.WriteLine(string.Create(Inv, $"| page: longest gap between frames / frames later than 100 ms / long tasks (their longest) | | {Resp(s1)} | {Resp(s10)} |"));
        Console.WriteLine(string.Create(Inv, $"| the list scrolled to its end, following: messages/s, KB/s, window messages sent/s | | {Follow(s1)} | {Follow(s10)} |"));
        Console.WriteLine(string.Create(Inv, $"| ... blank rows on screen (median of samples twice a second; max) / flows past the last row filled | | {Tail(s1)} | {Tail(s10)} |"));
        Console.WriteLine(string.Create(Inv, $"| host RSS after the stream, MiB | | {Mib(s1["rssMiB"])} | {Mib(s10["rssMiB"])} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"During the 10,000 flows/s stream (ms): filter {List(s10["filterMs"])} (the PUT {List(s10["filterPutMs"])}), cleared {List(s10["clearMs"])}; the list followed its end from second 21."));
        Console.WriteLine();

        // Side by side.
        var o = cmp["ours"]!;
        var t = cmp["mitmweb"]!;
        var cmpRounds = cmp["rounds"]!.GetValue<int>();
        Console.WriteLine(string.Create(Inv, $"| the same {o["flows"]!.GetValue<long>():N0} flows, one file; medians of {cmpRounds} rounds, alternating | addons web | mitmweb 8.1.1 | mitmweb / addons |"));
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Row("load: process start to settled (s)", o["loadSeconds"]!.GetValue<double>(), t["loadSeconds"]!.GetValue<double>(), "0.0");
        Row("time to show: navigation to the first row painted (s)", Median(o["showMs"]) / 1000, Median(t["showMs"]) / 1000, "0.000");
        Row($"time to filter `{filter}`: input to the rows painted (s)", Median(o["filterMs"]) / 1000, Median(t["filterMs"]) / 1000, "0.000");
        Row("filter cleared (s)", Median(o["clearMs"]) / 1000, Median(t["clearMs"]) / 1000, "0.000");
        Row("server RSS after loading (MiB)", o["rssAfterLoadMiB"]!.GetValue<double>(), t["rssAfterLoadMiB"]!.GetValue<double>(), "N0");
        Row("server RSS after the filter (MiB)", o["rssAfterFilterMiB"]!.GetValue<double>(), t["rssAfterFilterMiB"]!.GetValue<double>(), "N0");
        Row("server peak RSS, VmHWM (MiB)", o["peakRssMiB"]!.GetValue<double>(), t["peakRssMiB"]!.GetValue<double>(), "N0");
        Row("page's JavaScript heap after showing (MiB)", Median(o["jsHeapMiB"]), Median(t["jsHeapMiB"]), "0.0");
        Row("transferred to show the page, documents, scripts and data (MiB)", Median(o["transferredMiB"]), Median(t["transferredMiB"]), "0.00");
        Row("the data request: `GET /api/flows?limit=60` / `GET /flows` (ms)", o["getFlowsMs"]!.GetValue<double>(), t["getFlowsMs"]!.GetValue<double>(), "N0");
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"Rounds (ms): addons web show {List(o["showMs"])}, filter {List(o["filterMs"])}, clear {List(o["clearMs"])}; mitmweb show {List(t["showMs"])}, filter {List(t["filterMs"])}, clear {List(t["clearMs"])}. mitmweb's `GET /flows` is {t["getFlowsMiB"]!.GetValue<double>():0.0} MiB of JSON ({t["flows"]!.GetValue<long>():N0} flows); the filter shows {o["filteredTotal"]!.GetValue<long>():N0} of them."));
        Console.WriteLine();
        foreach (var (ok, text) in checks)
        {
            Console.WriteLine($"{(ok ? "PASS" : "MISS")}: {text}");
        }
    }

    private static void Row(string name, double ours, double theirs, string format) =>
        Console.WriteLine($"| {name} | {ours.ToString(format, Inv)} | {theirs.ToString(format, Inv)} | {(theirs / ours).ToString("0.0", Inv)}x |");

    private static string Mark(bool ok) => ok ? "✔" : "✘";

    private static string Pct(JsonNode? value) => (value!.GetValue<double>() * 100).ToString("0", Inv) + "%";

    private static string Mib(JsonNode? value) => value!.GetValue<double>().ToString("N0", Inv);

    private static string Rate(JsonNode? node, string key) => node![key]!.GetValue<double>().ToString(key == "kbPerSecond" ? "N1" : "0.0", Inv);

    private static string Lat(JsonNode? node) => string.Create(Inv, $"{node!["p50"]!.GetValue<double>():0.0} / {node["p95"]!.GetValue<double>():0.0} / {node["max"]!.GetValue<double>():0}");

    private static string Resp(JsonNode? stream)
    {
        var r = stream!["responsiveness"]!;
        return string.Create(Inv, $"{r["maxGap"]!.GetValue<double>():0} ms / {r["over100"]!.GetValue<double>():0} / {r["longTasks"]!.GetValue<double>():0} ({r["longestTask"]!.GetValue<double>():0} ms)");
    }

    private static string Follow(JsonNode? stream)
    {
        var f = stream!["following"]!;
        return string.Create(Inv, $"{Rate(f, "messagesPerSecond")}, {Rate(f, "kbPerSecond")}, {f["windowsSent"]!.GetValue<double>() / f["seconds"]!.GetValue<double>():0.0}");
    }

    private static string Tail(JsonNode? stream)
    {
        var tail = stream!["followingTail"]!.AsArray();
        if (tail.Count == 0)
        {
            return "no samples";
        }

        // With no row filled the distance is the whole list: "all" says so.
        var behind = Median(tail, "behind");
        return string.Create(Inv, $"{Median(tail, "blank"):0} of {Median(tail, "rows"):0} ({tail.Max(v => v!["blank"]!.GetValue<double>()):0}) / {(Median(tail, "blank") >= Median(tail, "rows") ? "none filled" : behind.ToString("N0", Inv))}");
    }

    private static string Offered(JsonNode? stream)
    {
        var all = stream!["offeredPerSecond"]?.GetValue<double>() ?? double.NaN;
        var seconds = stream["statusLastSecondOffered"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
        var range = seconds.Length == 0 ? "" : string.Create(Inv, $" ({seconds.Min():N0}–{seconds.Max():N0})");
        return string.Create(Inv, $"{all:N0}{range}");
    }

    private static double Median(JsonNode? array) => Median(array!.AsArray().Select(v => v!.GetValue<double>()));

    private static double Median(JsonArray array, string key) => Median(array.Select(v => v![key]!.GetValue<double>()));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string List(JsonNode? array) => string.Join(", ", array!.AsArray().Select(v => v!.GetValue<double>().ToString("0", Inv)));

    private static string List(JsonArray array, string key) => string.Join(", ", array.Select(v => v![key]!.GetValue<double>().ToString("0", Inv)));
}
