using System.Globalization;

namespace Addons.Web.Bench;

/// <summary>What /proc says about a server process: its memory and its CPU time.</summary>
internal static class Proc
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>VmRSS, or VmHWM (the peak), in MiB; -1 when the process is gone.</summary>
    public static double MemoryMiB(int pid, string field = "VmRSS")
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }

    /// <summary>User plus system CPU seconds of the process so far.</summary>
    public static double CpuSeconds(int pid)
    {
        var fields = StatFields(pid);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Seconds since the process started.</summary>
    public static double AgeSeconds(int pid)
    {
        var started = long.Parse(StatFields(pid)[19], CultureInfo.InvariantCulture) / TicksPerSecond;
        var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        return uptime - started;
    }

    /// <summary>
    /// Waits until the process has used less than a tenth of a core over each of two consecutive seconds (it has
    /// finished loading, and its garbage collector and writers have settled) and <paramref name="ready"/> holds.
    /// Returns the process's age at the start of those two quiet seconds.
    /// </summary>
    public static async Task<double> WaitIdleAsync(int pid, Func<Task<bool>> ready, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var quiet = 0;
        var quietSince = 0.0;
        var last = CpuSeconds(pid);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var now = CpuSeconds(pid);
            var busy = now - last;
            last = now;
            if (busy < 0.1 && await ready())
            {
                if (quiet++ == 0)
                {
                    quietSince = AgeSeconds(pid) - 1;
                }

                if (quiet == 2)
                {
                    return quietSince;
                }
            }
            else
            {
                quiet = 0;
            }
        }

        throw new TimeoutException($"process {pid} did not settle within {timeout.TotalSeconds:0} s");
    }

    /// <summary>How busy the CPUs are, 0 to 1, over <paramref name="over"/>: what other processes take before a measurement.</summary>
    public static async Task<double> MachineBusyAsync(TimeSpan over)
    {
        static (long Busy, long All) Read()
        {
            var parts = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            var idle = parts[3] + parts[4];
            var all = parts.Take(8).Sum();
            return (all - idle, all);
        }

        var a = Read();
        await Task.Delay(over);
        var b = Read();
        return b.All == a.All ? 0 : (double)(b.Busy - a.Busy) / (b.All - a.All);
    }

    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The name is in parentheses and may hold spaces: the fields after it start at the last ')'.
        var rest = stat[(stat.LastIndexOf(')') + 2)..];
        // Element 0 is field 3 (state), so field n (1-based: utime 14, stime 15, starttime 22) is element n - 3.
        return rest.Split(' ');
    }
}
