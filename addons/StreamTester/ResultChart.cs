using System.Globalization;
using System.Net;
using System.Text;

namespace Addons.StreamTester;

/// <summary>
/// The chart of a run as a standalone SVG a browser opens: offered and persisted flows per second above, latency from
/// publication to commit (p50 and p99 of each second) below, both over the run's seconds.
/// </summary>
internal static class ResultChart
{
    private const int Width = 960;
    private const int Left = 80;
    private const int Right = 30;
    private const int PanelHeight = 220;

    public static string Svg(StreamResult result)
    {
        var seconds = result.Seconds;
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"650\" viewBox=\"0 0 {Width} 650\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        var title = string.Create(c, $"Stream tester, {result.StartedAt:yyyy-MM-dd HH:mm:ss} UTC: {result.OfferedRate:N0} flows/s offered, {result.PersistedRate:N0} persisted");
        svg.Append(c, $"<text x=\"{Left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append(c, $"<text x=\"{Left}\" y=\"38\" font-size=\"11\">{Escape(result.Parameters.Describe())}</text>\n");

        var last = Math.Max(1, seconds.Count);
        Panel(svg, top: 80, "flows per second", last,
        [
            ("offered", "#1f77b4", seconds.Select(s => (s.Second, (double)s.Offered)).ToList()),
            ("persisted", "#ff7f0e", seconds.Select(s => (s.Second, (double)s.Persisted)).ToList()),
        ]);
        Panel(svg, top: 370, "latency publish → commit (ms)", last,
        [
            ("p50", "#2ca02c", seconds.Where(s => s.Latency.Count > 0).Select(s => (s.Second, s.Latency.P50)).ToList()),
            ("p99", "#d62728", seconds.Where(s => s.Latency.Count > 0).Select(s => (s.Second, s.Latency.P99)).ToList()),
        ]);
        svg.Append(c, $"<text x=\"{Left + ((Width - Left - Right) / 2)}\" y=\"635\" text-anchor=\"middle\">second of the run</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int top, string label, int lastSecond, IReadOnlyList<(string Name, string Colour, List<(int X, double Y)> Points)> series)
    {
        var c = CultureInfo.InvariantCulture;
        var plotWidth = Width - Left - Right;
        var maxY = NiceCeiling(series.SelectMany(s => s.Points).Select(p => p.Y).DefaultIfEmpty(0).Max());
        double X(double second) => Left + (lastSecond <= 1 ? 0 : (second - 1) / (lastSecond - 1) * plotWidth);
        double Y(double value) => top + PanelHeight - (value / maxY * PanelHeight);

        svg.Append(c, $"<text x=\"{Left}\" y=\"{top - 8}\" font-weight=\"bold\">{Escape(label)}</text>\n");
        for (var i = 0; i <= 4; i++)
        {
            var value = maxY * i / 4;
            var y = Y(value);
            svg.Append(c, $"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>\n");
            svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{value:#,0.##}</text>\n");
        }

        var step = Math.Max(1, (int)NiceCeiling(lastSecond / 10.0));
        for (var second = 1; second <= lastSecond; second += step)
        {
            var x = X(second);
            svg.Append(c, $"<line x1=\"{x:0.#}\" y1=\"{top + PanelHeight}\" x2=\"{x:0.#}\" y2=\"{top + PanelHeight + 4}\" stroke=\"#333\"/>\n");
            svg.Append(c, $"<text x=\"{x:0.#}\" y=\"{top + PanelHeight + 17}\" text-anchor=\"middle\">{second}</text>\n");
        }

        svg.Append(c, $"<rect x=\"{Left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#333\"/>\n");
        var legendX = Width - Right - 10;
        foreach (var (name, colour, points) in series.Reverse())
        {
            if (points.Count > 0)
            {
                var path = string.Join(" ", points.Select(p => string.Create(c, $"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(c, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>\n");
            }

            svg.Append(c, $"<text x=\"{legendX}\" y=\"{top + 16}\" text-anchor=\"end\" fill=\"{colour}\">{Escape(name)}</text>\n");
            legendX -= 90;
        }
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 times a power of ten that is at least <paramref name="value"/> (1 for 0).</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (factor * power >= value)
            {
                return factor * power;
            }
        }

        return 10 * power;
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
