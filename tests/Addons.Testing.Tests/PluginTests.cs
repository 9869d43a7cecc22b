using System.Runtime.Loader;

namespace Addons.Testing.Tests;

/// <summary>StartPluginAsync loads a built plugin through the host's loader, in a load context of its own.</summary>
public sealed class PluginTests
{
    private static string Recorder => Path.Combine(AppContext.BaseDirectory, "TestPlugins", "Recorder", "Recorder.dll");

    [Test]
    public async Task A_built_plugin_runs_its_lifecycle_hooks_and_commands_in_a_load_context_of_its_own()
    {
        await using var host = await AddonTestHost.StartPluginAsync(Recorder, new Dictionary<string, string> { ["recorder_value"] = "given" });

        await host.CycleAsync(TestFlows.Http("GET", "http://example.com/a").WithResponse());

        var addon = host.Addons.Single();
        Assert.Multiple(async () =>
        {
            Assert.That(addon.Name, Is.EqualTo("recorder"));
            Assert.That(AssemblyLoadContext.GetLoadContext(addon.GetType().Assembly), Is.Not.SameAs(AssemblyLoadContext.Default));
            Assert.That(AssemblyLoadContext.GetLoadContext(typeof(Abstractions.Addon).Assembly), Is.SameAs(AssemblyLoadContext.Default), "the contract is shared");
            Assert.That(await host.CommandAsync("recorder.log"), Is.EqualTo(new[]
            {
                "load", "configure:given", "running",
                "requestheaders:example.com/a", "update:example.com/a", "request:example.com/a", "update:example.com/a",
                "responseheaders:example.com/a", "update:example.com/a", "response:example.com/a", "update:example.com/a",
            }));
            Assert.That(await host.CommandAsync("recorder.add", "2", "3"), Is.EqualTo(5));
            Assert.That(host.Published<string>(), Is.EqualTo(new[] { "recorder:running" }), "what the plugin publishes is recorded");
        });
    }

    [Test]
    public async Task The_plugins_option_rejection_is_the_hosts_sentence()
    {
        await using var host = await AddonTestHost.StartPluginAsync(Recorder, new Dictionary<string, string> { ["recorder_reject"] = "bad" });

        var error = Assert.ThrowsAsync<Abstractions.Options.OptionsException>(() => host.ConfigureAsync("recorder_value", "bad"));

        Assert.That(error!.Message, Is.EqualTo("Addon 'recorder' rejected the options: recorder_value must not be 'bad'. The change to recorder_value was rolled back."));
    }

    [Test]
    public void A_missing_plugin_is_the_hosts_sentence()
    {
        var missing = Path.Combine(AppContext.BaseDirectory, "TestPlugins", "Missing", "Missing.dll");

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => AddonTestHost.StartPluginAsync(missing));

        Assert.That(error!.Message, Does.StartWith($"Plugin 'Missing': {missing} does not exist"));
    }

    [Test]
    public async Task Dispose_runs_the_plugins_done()
    {
        var host = await AddonTestHost.StartPluginAsync(Recorder);

        await host.DisposeAsync();

        Assert.That(host.Published<string>(), Is.EqualTo(new[] { "recorder:running", "recorder:done" }));
    }
}
