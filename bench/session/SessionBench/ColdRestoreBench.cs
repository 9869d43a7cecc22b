using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;
using Addons.Host.Commands;
using Addons.Host.Diagnostics;
using Addons.Host.Events;
using Addons.Host.Loading;
using Addons.Host.Options;
using Addons.Session.Storage;
using Addons.View;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Session.Bench;

/// <summary>
/// Restore with a hot cap: a session of N flows is written, then the real View and Session addons start on it with
/// <c>session_hot_flows</c> = H, as the host runs them (its bus, options and commands). Prints the time until the
/// View holds every flow, the managed memory and working set after it, and the View's filter and order changes over
/// the mostly cold flows.
/// </summary>
internal static class ColdRestoreBench
{
    public static int Run(int count, int hot)
    {
        var directory = Directory.CreateTempSubdirectory("session-restore-").FullName;
        try
        {
            var path = Path.Combine(directory, "restore.sqlite");
            RestoreBench.Write(path, count);

            // The first open after the write settles the file (its write-ahead log): timed apart, as a session closed by
            // an earlier run does not pay it when it is restored.
            var wal = new FileInfo(path + "-wal") is { Exists: true } log ? log.Length : 0;
            var settle = Stopwatch.StartNew();
            using (SessionStore.Open(path))
            {
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  first open after writing (write-ahead log {wal / 1e6:N0} MB): {settle.Elapsed.TotalSeconds:N2} s"));
            GC.Collect();
            var before = GC.GetTotalMemory(forceFullCollection: true);

            var restore = Stopwatch.StartNew();
            using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var bus = new EventBus(NullLogger<EventBus>.Instance, new HostMetrics(meters.GetRequiredService<IMeterFactory>()));
            var commands = new CommandRegistry();
            var options = new OptionStore();
            var view = new ViewAddon();
            var session = new SessionAddon();
            view.Load(new AddonRegistration("view", new AddonEventBus(bus, "view"), commands, options, NullLogger.Instance));
            session.Load(new AddonRegistration("session", new AddonEventBus(bus, "session"), commands, options, NullLogger.Instance));
            // When each batch of restored flows has been taken by the View (it subscribed first): where the time goes.
            var marks = new List<(TimeSpan At, int Cold, int Hot)>();
            using var marking = bus.Subscribe<FlowsLoaded>(() => "bench", loaded => marks.Add((restore.Elapsed, loaded.ColdFlows?.Count ?? 0, loaded.Flows.Count)));
            options.AssignInitial("session_path", path);
            options.AssignInitial("session_hot_flows", hot);
            options.Configure = async (updated, initial, ct) =>
            {
                foreach (var addon in new Addon[] { view, session })
                {
                    var context = new ConfigureContext(updated, initial, ct);
                    await addon.ConfigureAsync(context);
                    if (context.RejectionReason is { } reason)
                    {
                        return reason;
                    }
                }

                return null;
            };
            var rejection = options.Configure(options.All.Select(o => o.Name).ToHashSet(), true, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            restore.Stop();
            if (rejection is not null)
            {
                Console.Error.WriteLine(rejection);
                return 1;
            }

            if (view.Model.StoreCount != count)
            {
                throw new InvalidOperationException($"The View holds {view.Model.StoreCount:N0} flows instead of {count:N0}.");
            }

            var after = GC.GetTotalMemory(forceFullCollection: true);
            int stored, cold;
            lock (view.Gate)
            {
                (stored, cold) = (view.Model.StoreCount, view.Model.ColdCount);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"session_hot_flows {hot:N0}: {stored:N0} flows restored into the View ({cold:N0} cold) in {restore.Elapsed.TotalSeconds:N2} s ({count / restore.Elapsed.TotalSeconds:N0} flows/s); managed memory {(after - before) / 1e6:N0} MB ({(after - before) / (double)count:N0} bytes per flow); process working set {Environment.WorkingSet / 1e6:N0} MB"));

            if (marks.Count > 0)
            {
                var hotMarks = marks.Where(m => m.Hot > 0).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  restore timeline: cold flows ({marks.Sum(m => m.Cold):N0}) in the View at {marks.LastOrDefault(m => m.Cold > 0).At.TotalSeconds:N2} s; hot flows ({hotMarks.Sum(m => m.Hot):N0}) from {(hotMarks.Count > 0 ? hotMarks[0].At.TotalSeconds : 0):N2} s to {marks[^1].At.TotalSeconds:N2} s; configure done at {restore.Elapsed.TotalSeconds:N2} s"));
            }

            foreach (var (command, argument) in new[]
            {
                ("view.filter.set", "~m POST & ~u /items"), ("view.filter.set", "~c 404 | ~h x-debug"), ("view.filter.set", "~b secret"),
                ("view.filter.set", ""), ("view.order.set", "url"), ("view.order.set", "size"), ("view.order.set", "time"),
            })
            {
                var watch = Stopwatch.StartNew();
                commands.ExecuteAsync(command, [argument]).AsTask().GetAwaiter().GetResult();
                watch.Stop();
                int shown;
                lock (view.Gate)
                {
                    shown = view.Model.Count;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {command} \"{argument}\": {watch.Elapsed.TotalSeconds:N3} s, {shown:N0} flows shown"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  process working set after the filters {Environment.WorkingSet / 1e6:N0} MB"));
            session.DoneAsync(new LifecycleContext(CancellationToken.None)).AsTask().GetAwaiter().GetResult();
            Phases(path, count, hot);
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The restore's steps one by one, on the same file: reading the cold flows' summaries from SQLite, a View taking
    /// them (and the managed bytes it keeps per cold flow once they are let go), reading and decoding the hot flows.
    /// </summary>
    private static void Phases(string path, int count, int hot)
    {
        var cold = count - hot;
        var watch = Stopwatch.StartNew();
        using (var writable = SessionStore.Open(path))
        {
            _ = writable.Count();
            _ = writable.ReadSettingsByFlow();
        }

        var opened = watch.Elapsed;
        using var store = SessionStore.Open(path, readOnly: true);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        watch.Restart();
        var summaries = store.ReadSummaries(cold).ToList();
        var read = watch.Elapsed;
        var withSummaries = GC.GetTotalMemory(forceFullCollection: true);

        watch.Restart();
        var view = new FlowView(_ => { });
        view.AddCold(new NoArchive(), summaries);
        var added = watch.Elapsed;
        summaries = null;
        var withView = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(summaries);

        watch.Restart();
        var flows = store.ReadAll(skip: cold).ToList();
        var decoded = watch.Elapsed;
        watch.Restart();
        view.Add(flows);
        var addedHot = watch.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  steps: opening the session for writing, counting and reading settings {opened.TotalSeconds:N2} s; {cold:N0} summaries read from SQLite in {read.TotalSeconds:N2} s ({(withSummaries - baseline) / (double)cold:N0} bytes each as records); a View takes them in {added.TotalSeconds:N2} s and keeps {(withView - baseline) / (double)cold:N0} bytes per cold flow ({view.ColdBytes / (double)cold:N0} in its cold store); {flows.Count:N0} hot flows read and decoded in {decoded.TotalSeconds:N2} s, taken by the View in {addedHot.TotalSeconds:N2} s"));
        GC.KeepAlive(view);
    }

    /// <summary>An archive that holds nothing: the View only needs one to take cold flows.</summary>
    private sealed class NoArchive : IFlowArchive
    {
        public string Name => "the bench";

        public bool IsOpen => true;

        public Flow? Load(Guid id) => null;

        public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default) => new HashSet<Guid>();
    }
}
