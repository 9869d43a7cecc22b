using Microsoft.Data.Sqlite;

namespace Addons.Session.Bench;

/// <summary>
/// Runs another case with a second connection that checkpoints the WAL (PASSIVE, every 20 ms) on its own thread, so
/// that copying WAL frames into the database file and syncing it happen beside the writer instead of inside its
/// commits. An exploration: does moving the checkpoints to the second core help the store more than the raw insert?
/// </summary>
internal sealed class BackgroundCheckpointCase(IBenchCase inner) : IBenchCase
{
    public string Name => inner.Name + ", checkpoints on a background connection";

    public BenchResult Run(BenchInput input)
    {
        using var stop = new CancellationTokenSource();
        var checkpointer = Task.Run(async () =>
        {
            // The case creates its file under the input's folder: checkpoint whichever database appears there.
            while (!stop.IsCancellationRequested)
            {
                // Once the case has put its file in WAL mode (the -wal file exists), so as not to race its set-up.
                foreach (var file in Directory.EnumerateFiles(input.Directory, "*.sqlite").Where(f => File.Exists(f + "-wal")))
                {
                    try
                    {
                        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, DefaultTimeout = 1 }.ToString());
                        connection.Open();
                        using var command = connection.CreateCommand();
                        command.CommandText = "PRAGMA busy_timeout = 0";
                        command.ExecuteNonQuery();
                        while (!stop.IsCancellationRequested && File.Exists(file))
                        {
                            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                            command.ExecuteNonQuery();
                            await Task.Delay(20, CancellationToken.None);
                        }
                    }
                    catch (SqliteException)
                    {
                        // The file is being created or deleted: look again.
                    }
                }

                await Task.Delay(5, CancellationToken.None);
            }
        });
        try
        {
            return inner.Run(input) with { Name = Name };
        }
        finally
        {
            stop.Cancel();
            checkpointer.GetAwaiter().GetResult();
        }
    }
}
