using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Health;
using Addons.Abstractions.Interop;
using Addons.Abstractions.Options;
using Addons.Host.Commands;
using Addons.Host.Dump;
using Addons.Host.Filters;
using Addons.Host.Health;
using Addons.Host.Options;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>The <see cref="IAddonLoader"/> an addon gets in <c>load</c>: declarations are recorded under its name.</summary>
internal sealed class AddonRegistration(string owner, IEventBus bus, CommandRegistry commands, OptionStore options, ILogger logger, IFlowInjector? flows = null, IFlowFiles? flowFiles = null, AddonHealthChecks? health = null) : IAddonLoader
{
    // Loaded without the host's registry (by a test), an addon's checks are kept here, where the test kit can run them.
    public AddonHealthChecks Health { get; } = health ?? new AddonHealthChecks();

    // Loaded without the host's registry (by a test), an addon still reads mitmproxy's files and HAR, and its own formats.
    public IFlowFiles FlowFiles { get; } = flowFiles ?? new FlowFileFormats().For(owner);

    public IFlowInjector Flows => flows ?? throw new NotSupportedException($"Addon '{owner}' was loaded without the addon chain, so it cannot put flows through the hooks.");

    public IFlowFilters Filters => FlowFilters.Instance;

    public IEventBus Bus { get; } = bus;

    public ICommandRegistry Commands => commands;

    public IOptionStore Options => options;

    public ILogger Logger { get; } = logger;

    public IOption<T> AddOption<T>(string name, T defaultValue, string help, IReadOnlyList<string>? choices = null) =>
        options.Declare(owner, name, defaultValue, help, choices);

    public void AddCommand(string name, Delegate handler, string help) => commands.Register(owner, name, handler, help);

    public void AddHealthCheck(string name, Func<CancellationToken, ValueTask<AddonHealth>> check) => Health.Add(owner, name, check);
}
