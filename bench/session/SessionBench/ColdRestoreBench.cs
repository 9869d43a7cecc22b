using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Host.Commands;
using Addons.Host.Diagnostics;
using Addons.Host.Events;
using Addons.Host.Loading;
using Addons.Host.Options;
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
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
