using System.Diagnostics;
using System.Globalization;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Bench;

/// <summary>
/// Restore: a session of N flows is written, then read back in order and decoded as the Session addon does on start,
/// keeping every flow (as the View does without a hot cap); prints flows/s and the managed memory they take.
/// </summary>
internal static class RestoreBench
{
    /// <summary>Writes a session of <paramref name="count"/> synthetic flows, 4,096 per transaction.</summary>
    public static void Write(string path, int count)
    {
        var flows = SyntheticFlows.CreateMany(4096);
        var start = new DateTimeOffset(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);
        using var store = SessionStore.Open(path);
        // A batch holds each pooled flow object once: the store writes the objects as they are when it runs, so an
        // object given a new id twice in one batch would be written once, under its last id.
        var batch = new List<Flow>(flows.Length);
        for (var written = 0; written < count;)
        {
            batch.Clear();
            for (var i = 0; i < flows.Length && written < count; i++, written++)
            {
                var flow = flows[written % flows.Length];
                flow.Id = Guid.NewGuid();
                flow.TimestampCreated = start.AddTicks(written * TimeSpan.TicksPerMillisecond);
                batch.Add(flow);
            }

            store.WriteBatch(batch);
        }
    }

    public static int Run(int count)
    {
        var directory = Directory.CreateTempSubdirectory("session-restore-").FullName;
        try
        {
            var path = Path.Combine(directory, "restore.sqlite");
            var write = Stopwatch.StartNew();
            Write(path, count);
            write.Stop();
            GC.Collect();
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var read = Stopwatch.StartNew();
            var restored = new List<Flow>(count);
            using (var store = SessionStore.Open(path, readOnly: true))
            {
                restored.AddRange(store.ReadAll());
            }

            read.Stop();
            if (restored.Count != count)
            {
                throw new InvalidOperationException($"The session holds {restored.Count:N0} flows instead of {count:N0}.");
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {count:N0} flows in {write.Elapsed.TotalSeconds:N1} s ({new FileInfo(path).Length / 1e6:N0} MB); restore read and decoded them in {read.Elapsed.TotalSeconds:N2} s ({count / read.Elapsed.TotalSeconds:N0} flows/s); the restored flows take {(after - before) / 1e6:N0} MB of managed memory ({(after - before) / (double)count:N0} bytes per flow); process working set {Environment.WorkingSet / 1e6:N0} MB"));
            GC.KeepAlive(restored);
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
