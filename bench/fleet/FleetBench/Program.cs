using System.Diagnostics;
using System.Globalization;
using Addons.Session.Bench;
using Addons.Session.FleetBench;
using Addons.Session.Storage;
using Npgsql;

// Usage: FleetBench --connection CONNECTION_STRING [--rows N] [--batch B] [--repeat R]
//   Writes the same N synthetic ~2 KB flows (encoded once, before timing) into an emptied fleet store, in batches of B
//   flows a transaction: by batched INSERTs with the Session's upsert (the baseline), by the Session's path (binary COPY
//   straight into the table), and by its path for flows written again (COPY into a staging table, merged); R rounds
//   interleaved, each case's median flows/s, and its ratio to the INSERTs.
string? connection = null;
var rows = 100_000;
var batchSize = 2_000;
var repeat = 3;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--connection":
            connection = args[++i];
            break;
        case "--rows":
            rows = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--batch":
            batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--repeat":
            repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}; usage: FleetBench --connection CONNECTION_STRING [--rows N] [--batch B] [--repeat R]");
            return 2;
    }
}

if (connection is null)
{
    Console.Error.WriteLine("FleetBench needs --connection (an Npgsql connection string of an empty database it may write to).");
    return 2;
}

var codec = new FlowCodec();
var encoded = SyntheticFlows.CreateMany(rows).Select(flow =>
{
    var e = new EncodedFlow();
    e.Capture(flow, codec, copyBodies: true);
    return e;
}).ToList();
Console.Error.WriteLine($"[fleet] {rows} flows, {encoded.Average(e => e.Record.Length):F0} B records on average, {batchSize} a transaction, {repeat} rounds");

WriteCase[] cases = [new InsertCase(), new CopyMergeCase(rewrite: false), new CopyMergeCase(rewrite: true)];
var rates = cases.ToDictionary(c => c, _ => new List<double>());
for (var round = 0; round < repeat; round++)
{
    foreach (var write in cases)
    {
        Reset(connection);
        write.Open(connection);
        if (write is CopyMergeCase { Rewrite: true })
        {
            foreach (var batch in encoded.Chunk(batchSize))
            {
                write.Write(batch);
            }
        }

        var clock = Stopwatch.StartNew();
        foreach (var batch in encoded.Chunk(batchSize))
        {
            write.Write(batch);
        }

        clock.Stop();
        write.Close();
        var stored = Count(connection);
        if (stored != rows)
        {
            Console.Error.WriteLine($"[fleet] {write.Name} left {stored} rows, not {rows}");
            return 1;
        }

        rates[write].Add(rows / clock.Elapsed.TotalSeconds);
        Console.Error.WriteLine($"[fleet] round {round + 1}: {write.Name}: {rows / clock.Elapsed.TotalSeconds:N0} flows/s");
    }
}

Console.WriteLine("| write path | flows/s (median) | vs batched INSERT |");
Console.WriteLine("| --- | ---: | ---: |");
var baseline = Median(rates[cases[0]]);
foreach (var write in cases)
{
    var median = Median(rates[write]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {write.Name} | {median:N0} | {median / baseline:F2}x |"));
}

return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static void Reset(string connectionString)
{
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    using var command = new NpgsqlCommand("DROP TABLE IF EXISTS addons_flow CASCADE; DROP TABLE IF EXISTS addons_schema; CHECKPOINT", connection);
    command.ExecuteNonQuery();
}

static long Count(string connectionString)
{
    using var connection = new NpgsqlConnection(connectionString);
    connection.Open();
    using var command = new NpgsqlCommand("SELECT count(*) FROM addons_flow", connection);
    return (long)command.ExecuteScalar()!;
}
