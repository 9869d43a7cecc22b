using System.Reflection;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Reloadable.ReloadableAddon))]

namespace Reloadable;

/// <summary>
/// One addon in three builds of one assembly, Reloadable.dll, for the hot reload tests: "1", "2" and "broken" (which
/// throws in load). Each stamps responses with X-Reloadable-Build and its greeting, announces its lifecycle on the bus as
/// "reloadable BUILD:hook", and has an option and a command of its own besides the ones every build has. It asks for
/// an ILogger of its own type and publishes a message type of its own, as authors' addons do: neither may keep a
/// build loaded once it is replaced.
/// </summary>
public sealed class ReloadableAddon(ILogger<ReloadableAddon> logger) : Addon
{
    private static readonly string Build =
        typeof(ReloadableAddon).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ReloadableBuild").Value!;

    private IAddonLoader? _loader;
    private IOption<string> _greeting = null!;
    private IOption<string> _rejectIn = null!;
    private IOption<int> _responseDelay = null!;
    private IOption<bool> _pin = null!;
    private int _responses;

    public override string Name => "reloadable";

    public override void Load(IAddonLoader loader)
    {
        if (Build == "broken")
        {
            throw new InvalidOperationException("build broken does not load");
        }

        _loader = loader;
        Announce("load");
        _greeting = loader.AddOption("reloadable_greeting", $"hello from build {Build}", "Sent in X-Reloadable-Greeting.");
        _rejectIn = loader.AddOption("reloadable_reject_in", "", "The build whose configure rejects the options.");
        _responseDelay = loader.AddOption("reloadable_response_delay", 0, "Milliseconds the response hook takes.");
        _pin = loader.AddOption("reloadable_pin", false, "Keeps the build in memory for good: a handler on a static event, never removed.");
        loader.AddOption($"reloadable_only_{Build}", true, "An option only this build declares.");
        loader.AddCommand("reloadable.build", () => new BuildInfo(Build, Volatile.Read(ref _responses)), "This build, and how many responses it saw.");
        loader.AddCommand($"reloadable.only_{Build}", () => Build, "A command only this build registers.");
        loader.Bus.Subscribe<BuildInfo>(info => Announce($"heard:{info.Build}"));
        if (Build == "1")
        {
            loader.Bus.Subscribe<Version>(_ => Announce("version"));
        }
        else
        {
            loader.Bus.Subscribe<Uri>(_ => Announce("uri"));
        }
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        Announce("configure");
        _loader!.Bus.Publish(new BuildInfo(Build, _responses));
        if (_rejectIn.Value == Build)
        {
            context.Reject($"build {Build} rejects reloadable_reject_in={Build}");
        }

        if (_pin.Value)
        {
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }

        logger.LogInformation("Build {Build} configured", Build);
        return default;
    }

    public override ValueTask RunningAsync(LifecycleContext context)
    {
        Announce("running");
        return default;
    }

    public override ValueTask DoneAsync(LifecycleContext context)
    {
        Announce("done");
        return default;
    }

    public override async ValueTask ResponseAsync(HttpFlowContext context)
    {
        Interlocked.Increment(ref _responses);
        if (_responseDelay.Value > 0)
        {
            Announce("response-start");
            await Task.Delay(_responseDelay.Value, context.CancellationToken);
            Announce("response-end");
        }

        context.Flow.Response?.Headers.Set("X-Reloadable-Build", Build);
        context.Flow.Response?.Headers.Set("X-Reloadable-Greeting", _greeting.Value);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Announce("exit");

    private void Announce(string hook) => _loader?.Bus.Publish($"reloadable {Build}:{hook}");
}

/// <summary>A message and command result of the plugin's own type.</summary>
public sealed record BuildInfo(string Build, int Responses);
