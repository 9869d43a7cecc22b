using System.Diagnostics;
using System.Globalization;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Bench;

/// <summary>
/// What queueing a flow costs the hook's thread, on one core: the record alone (<see cref="FlowCodec"/>), then the
/// whole capture the writer's queue holds (<see cref="EncodedFlow.Capture"/>: record, summary, UTF-8 columns), over the
/// synthetic ~2 KB flows, after a warm-up long enough for the runtime's optimized code.
/// </summary>
internal static class EncodeBench
{
    public static int Run(int count)
    {
        var flows = SyntheticFlows.CreateMany(4096);
        var codec = new FlowCodec(SessionStoreOptions.DefaultBodyThreshold);
        var buffer = new byte[4096];
        var encoded = new EncodedFlow();
        var bytes = 0L;
        void Record(int n)
        {
            for (var i = 0; i < n; i++)
            {
                bytes += codec.Encode(flows[i % flows.Length], ref buffer, out _);
            }
        }

        void Capture(int n)
        {
            for (var i = 0; i < n; i++)
            {
                encoded.Capture(flows[i % flows.Length], codec, copyBodies: true);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count:N0} synthetic flows, one thread, after a warm-up of 12 rounds of 50,000"));
        Console.WriteLine("| step | flows/s | µs per flow | bytes allocated per flow |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (name, step) in new (string, Action<int>)[] { ("FlowCodec.Encode (the record)", Record), ("EncodedFlow.Capture (record, summary, UTF-8 columns)", Capture) })
        {
            for (var round = 0; round < 12; round++)
            {
                step(50_000);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            step(count);
            watch.Stop();
            var perFlow = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {count / watch.Elapsed.TotalSeconds:N0} | {watch.Elapsed.TotalMicroseconds / count:N2} | {perFlow:N0} |"));
        }

        GC.KeepAlive(bytes);
        return 0;
    }
}
