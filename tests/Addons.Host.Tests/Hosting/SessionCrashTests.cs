using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Addons.Host.Tests.Hosting;

public sealed partial class SessionCrashTests
{
    /// <summary>The Session addon's flush window in this test (<c>session_flush_ms</c>).</summary>
    private static readonly TimeSpan FlushWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>Room for a loaded 2-core machine: a batch's write time, scheduling delays, the kill's own latency.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    /// <summary>How long traffic runs, from the first response through the proxy, before the kill.</summary>
    private static readonly TimeSpan TrafficBeforeKill = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Issue 5's durability promise, on a real child process: a host with the shipped Session plugin proxies a
    /// continuous stream of keep-alive requests to a loopback origin and is killed with SIGKILL mid-stream. The session
    /// file must then open and pass <c>PRAGMA integrity_check</c>, and hold every flow whose response had completed more
    /// than one flush window (plus slack) before the kill, and no more flows than requests were sent.
    /// </summary>
    [Test]
    [CancelAfter(120_000)]
    public async Task AfterKill9TheSessionFileIsIntactAndLosesAtMostTheLastFlushWindow(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-session-kill-").FullName;
        try
        {
            await using var origin = await KestrelOrigin.StartAsync(folder);
            var sessionPath = Path.Combine(folder, "session.sqlite");
            var plugins = Path.Combine(folder, "plugins.json");
            await File.WriteAllTextAsync(plugins, $$"""
                { "Addons": { "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 1 } } }
                """, cancellationToken);

            var start = new ProcessStartInfo("dotnet",
            [
                Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", plugins,
                "--set", "listen_host=127.0.0.1", "--set", "listen_port=0", "--set", $"confdir={Path.Combine(folder, "conf")}",
                "--set", $"session_path={sessionPath}", "--set", $"session_flush_ms={(int)FlushWindow.TotalMilliseconds}",
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var output = new StringBuilder();
            var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            };
            // The log is on standard error.
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data is { } line && ListeningAt().Match(line) is { Success: true } match)
                {
                    listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
                }
                else if (e.Data?.Contains("Running with 8 addon(s)", StringComparison.Ordinal) == true)
                {
                    running.TrySetResult();
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string Log()
            {
                lock (output)
                {
                    return output.ToString();
                }
            }

            var completed = new List<long>();
            var sent = 0;
            long killedAt;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var traffic = Task.CompletedTask;
            HttpClient? client = null;
            try
            {
                var exited = process.WaitForExitAsync(cancellationToken);
                var up = Task.WhenAll(listening.Task, running.Task);
                if (await Task.WhenAny(up, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken)) != up)
                {
                    Assert.Fail("The host did not start listening: " + Log());
                }

                var proxy = await listening.Task;
                Assert.That(proxy.Address, Is.EqualTo(IPAddress.Loopback));
                Assert.That(Log(), Does.Contain($"Session file {sessionPath}: 0 flows restored"), "the session persists to the test's file");

                // One client, one keep-alive connection, one request after the other; each completed response is
                // timestamped the moment its body has been read.
                client = new HttpClient(new SocketsHttpHandler { UseProxy = true, Proxy = new WebProxy($"http://{proxy}") })
                {
                    Timeout = TimeSpan.FromSeconds(30),
                };
                var firstResponse = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var url = origin.Http("/hello");
                traffic = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref sent);
                        using var response = await client!.GetAsync(url, stop.Token);
                        var body = await response.Content.ReadAsStringAsync(stop.Token);
                        if (response.StatusCode != HttpStatusCode.OK || body != "hello")
                        {
                            throw new InvalidOperationException($"Unexpected response through the proxy: {(int)response.StatusCode} {body}");
                        }

                        lock (completed)
                        {
                            completed.Add(Stopwatch.GetTimestamp());
                        }

                        firstResponse.TrySetResult();
                    }
                }, CancellationToken.None);

                await Task.WhenAny(firstResponse.Task, traffic).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                Assert.That(firstResponse.Task.IsCompleted, Is.True, $"no response came through the proxy: {traffic.Exception?.GetBaseException()}\n{Log()}");
                await Task.WhenAny(traffic, Task.Delay(TrafficBeforeKill, cancellationToken));
                Assert.That(traffic.IsCompleted, Is.False, $"traffic still flows when the host is killed: {traffic.Exception?.GetBaseException()}\n{Log()}");

                killedAt = Stopwatch.GetTimestamp();
                process.Kill(); // SIGKILL on Unix: no shutdown, no flush.
                await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }

                // The request in flight at the kill fails; stop the loop (on every path) and let it end.
                await stop.CancelAsync();
                try
                {
                    await traffic.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException)
                {
                }

                client?.Dispose();
            }

            Assert.That(process.ExitCode, Is.EqualTo(128 + 9), "the host died of SIGKILL");
            Assert.That(Log(), Does.Not.Contain($"Session file {sessionPath} closed"), "the session was not closed gracefully");

            // Every response completed this long before the kill had its flow queued earlier still (the Session queues a
            // flow at each update, the first one at request headers), so its batch must have been committed.
            var cutoff = killedAt - (long)((FlushWindow + Slack).TotalSeconds * Stopwatch.Frequency);
            int responses;
            int mustBeStored;
            lock (completed)
            {
                responses = completed.Count;
                mustBeStored = completed.Count(at => at <= cutoff);
            }

            var (integrity, stored) = ReadSession(sessionPath);
            var report = $"{sent} requests sent, {responses} responses completed, {mustBeStored} of them more than {(FlushWindow + Slack).TotalMilliseconds} ms before the kill; {stored} flows in the file";
            TestContext.Out.WriteLine(report);

            Assert.That(integrity, Is.EqualTo(new[] { "ok" }), "PRAGMA integrity_check after kill -9");
            Assert.That(mustBeStored, Is.GreaterThan(0), "traffic ran long enough for the bound to mean something: " + report);
            Assert.That(stored, Is.GreaterThan(0), report + "\n" + Log());
            Assert.That(stored, Is.GreaterThanOrEqualTo(mustBeStored), "every flow older than a flush window (and slack) survives: " + report + "\n" + Log());
            Assert.That(stored, Is.LessThanOrEqualTo(sent), "no flow that was never sent: " + report);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Opens the session file as SQLite would after a crash (replaying its WAL); its integrity check and flow count.</summary>
    private static (string[] Integrity, long Flows) ReadSession(string path)
    {
        Assert.That(File.Exists(path), Is.True, $"{path} exists");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        var integrity = new List<string>();
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            using var reader = check.ExecuteReader();
            while (reader.Read())
            {
                integrity.Add(reader.GetString(0));
            }
        }

        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM record";
        return ([.. integrity], (long)count.ExecuteScalar()!);
    }

    [GeneratedRegex(@"listening at http://([^;\s]+)")]
    private static partial Regex ListeningAt();
}
