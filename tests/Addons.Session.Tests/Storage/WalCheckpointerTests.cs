using System.Diagnostics;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Tests.Storage;

/// <summary>The store's log copied into the file on a thread of its own (<see cref="WalCheckpointer"/>).</summary>
public sealed class WalCheckpointerTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Under_steady_writes_the_log_starts_over_near_its_restart_size_and_every_flow_is_kept()
    {
        var path = _temp.File("s.session");
        var written = new List<Guid>();
        long largestLog = 0;
        using (var store = SessionStore.Open(path, new SessionStoreOptions { WalRestartBytes = 1 << 20 }))
        {
            // 40 batches of ~200 KB each: 8 MB through a log that restarts above 1 MiB.
            for (var batch = 0; batch < 40; batch++)
            {
                var flows = Enumerable.Range(batch * 20, 20).Select(i => SampleFlows.Simple(i, responseBytes: 3000)).ToList();
                store.WriteBatch(flows);
                written.AddRange(flows.Select(f => f.Id));
                largestLog = Math.Max(largestLog, new FileInfo(path + "-wal").Length);
            }

            Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(written));
        }

        // The log file only grows to the furthest frame ever written: about the restart size and a batch or two.
        Assert.That(largestLog, Is.LessThan(4 << 20), "the log restarted instead of growing with the 8 MB written");
        Assert.That(File.Exists(path + "-wal"), Is.False, "closing copies the rest of the log and removes it");
        using var reopened = SessionStore.Open(path, readOnly: true);
        Assert.That(reopened.IntegrityCheck(), Is.Empty);
        Assert.That(reopened.ReadAll().Select(f => f.Id), Is.EqualTo(written));
    }

    [Test]
    public void A_reader_that_holds_old_frames_does_not_stall_the_writer()
    {
        var path = _temp.File("s.session");
        using var store = SessionStore.Open(path, new SessionStoreOptions { WalRestartBytes = 64 * 1024 });
        store.WriteBatch(Enumerable.Range(0, 20).Select(i => SampleFlows.Simple(i, responseBytes: 3000)).ToList());

        // Another connection reads in a transaction that it keeps open, so no checkpoint may copy past its snapshot.
        using var reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        reader.Open();
        using var transaction = reader.BeginTransaction(deferred: true);
        using (var read = reader.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT count(*) FROM record";
            Assert.That(read.ExecuteScalar(), Is.EqualTo(20L));
        }

        var clock = Stopwatch.StartNew();
        for (var batch = 1; batch <= 10; batch++)
        {
            store.WriteBatch(Enumerable.Range(batch * 20, 20).Select(i => SampleFlows.Simple(i, responseBytes: 3000)).ToList());
        }

        // Waiting for a copy the reader blocks would cost WalCheckpointer.MaxWait (2 s) a batch; the writer does not wait.
        Assert.That(clock.Elapsed, Is.LessThan(WalCheckpointer.MaxWait * 2), "ten batches while the reader holds its snapshot");
        transaction.Commit();
        Assert.That(store.Stats().Flows, Is.EqualTo(220));
    }

    [Test]
    public void Under_light_traffic_the_log_starts_over_as_soon_as_it_is_copied()
    {
        var path = _temp.File("s.session");
        long largestLog = 0;
        using var store = SessionStore.Open(path, new SessionStoreOptions { WalRestartBytes = 4 << 20 });
        for (var batch = 0; batch < 30; batch++)
        {
            store.WriteBatch(Enumerable.Range(batch * 10, 10).Select(i => SampleFlows.Simple(i, responseBytes: 3000)).ToList());
            Assert.That(store.Checkpointer!.WaitCopied(TimeSpan.FromSeconds(10)), Is.True, "the copy of each batch ends");
            largestLog = Math.Max(largestLog, new FileInfo(path + "-wal").Length);
        }

        // 30 batches of ~40 KB: without the early restart the log would grow to the 1 MB written.
        Assert.That(largestLog, Is.LessThan(512 * 1024));
        Assert.That(store.Stats().Flows, Is.EqualTo(300));
    }
}
