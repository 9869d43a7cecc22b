using System.Text.Json;
using System.Xml.Linq;

namespace Addons.StreamTester.Tests;

public sealed class StreamResultTests
{
    [Test]
    public void The_result_files_are_written_and_parse_as_JSON_CSV_and_SVG()
    {
        var result = Sample();
        var folder = Directory.CreateTempSubdirectory("streamtester-tests-").FullName;
        try
        {
            var files = result.Write(Path.Combine(folder, "out"), "run");

            Assert.That(files.Select(Path.GetFileName), Is.EqualTo(new[] { "run.json", "run.csv", "run.svg" }));
            using var json = JsonDocument.Parse(File.ReadAllText(files[0]));
            Assert.That(json.RootElement.GetProperty("offered").GetInt64(), Is.EqualTo(3000));
            Assert.That(json.RootElement.GetProperty("persisted").GetInt64(), Is.EqualTo(2990));
            Assert.That(json.RootElement.GetProperty("latency_ms").GetProperty("p99").GetDouble(), Is.EqualTo(40));
            Assert.That(json.RootElement.GetProperty("seconds").GetArrayLength(), Is.EqualTo(3));

            var csv = File.ReadAllLines(files[1]);
            Assert.That(csv[0], Does.StartWith("second,offered,persisted,batches,latency_p50_ms"));
            Assert.That(csv, Has.Length.EqualTo(4));
            Assert.That(csv[2].Split(','), Has.Length.EqualTo(csv[0].Split(',').Length));
            Assert.That(csv[2], Does.StartWith("2,1000,1000,10,"));

            var svg = XDocument.Load(files[2]);
            var ns = XNamespace.Get("http://www.w3.org/2000/svg");
            Assert.That(svg.Root!.Name, Is.EqualTo(ns + "svg"));
            Assert.That(svg.Descendants(ns + "polyline").Count(), Is.EqualTo(4), "offered, persisted, p50, p99");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void The_summary_table_says_what_was_offered_persisted_and_lost()
    {
        var table = Sample().SummaryTable();

        Assert.That(table, Does.Contain("| offered | 3,000 flows, 1,000 flows/s |"));
        Assert.That(table, Does.Contain("| persisted | 2,990 flows, 997 flows/s |"));
        Assert.That(table, Does.Contain("| not persisted | 10 |"));
        Assert.That(table, Does.Contain("p99 40.0 ms"));
    }

    [Test]
    public void A_folder_that_cannot_be_written_is_named_in_one_sentence()
    {
        var file = Path.GetTempFileName();
        try
        {
            // A file where the folder should be.
            var error = Assert.Throws<IOException>(() => Sample().Write(file, "run"));
            Assert.That(error!.Message, Does.StartWith($"The stream tester's results could not be written to {file}:"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static StreamResult Sample()
    {
        var latency = new LatencySummary(10, 30, 40, 55, 2990);
        return new StreamResult
        {
            Parameters = new StreamParameters(),
            StartedAt = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
            ProducingSeconds = 3,
            Offered = 3000,
            Persisted = 2990,
            NotPersisted = 10,
            Duplicates = 0,
            Failed = 0,
            Batches = 30,
            MeanBatch = 100,
            LargestBatch = 120,
            Latency = latency,
            MaxQueueDepth = 50,
            PeakManagedBytes = 10 << 20,
            PeakWorkingSetBytes = 50 << 20,
            Seconds =
            [
                new SecondRow(1, 1000, 990, 10, latency, 50, 10 << 20, 50 << 20),
                new SecondRow(2, 1000, 1000, 10, latency, 20, 10 << 20, 50 << 20),
                new SecondRow(3, 1000, 1000, 10, latency, 0, 10 << 20, 50 << 20),
            ],
        };
    }
}
