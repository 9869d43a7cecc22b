using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

namespace Addons.Abstractions;

/// <summary>What an addon gets in <see cref="Addon.Load"/>: the means to declare options and commands, and the services it may keep.</summary>
public interface IAddonLoader
{
    /// <summary>
    /// Declares an option. Its value comes from the addon's <c>Options</c> section in plugins.json, then from
    /// <c>--set name=value</c>, and can change at run time (the addon sees <see cref="Addon.ConfigureAsync"/>).
    /// Supported types: <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>,
    /// <see cref="double"/>, <see cref="TimeSpan"/>, enums and <see cref="IReadOnlyList{T}"/> of <see cref="string"/>.
    /// Use mitmproxy's name where mitmproxy has the same option (<c>view_filter</c>, <c>session_path</c>).
    /// </summary>
    /// <param name="name">A lower_snake_case name unique across all addons.</param>
    /// <param name="defaultValue">The value when nothing sets it.</param>
    /// <param name="help">One sentence for <c>--options</c> listings.</param>
    /// <param name="choices">For string options: the only accepted values.</param>
    IOption<T> AddOption<T>(string name, T defaultValue, string help, IReadOnlyList<string>? choices = null);

    /// <summary>
    /// Registers a command, such as <c>view.filter.set</c>. The handler's parameters are the command's typed arguments
    /// (string, bool, int, long, double, enums, <c>Flow</c>, <c>IReadOnlyList&lt;Flow&gt;</c>, a trailing
    /// <c>string[]</c> for the rest; a <see cref="CancellationToken"/> parameter is supplied by the host); its return
    /// value, which may be awaited, is the typed result.
    /// </summary>
    void AddCommand(string name, Delegate handler, string help);

    /// <summary>The event bus; subscriptions made through it are removed when the addon is unloaded.</summary>
    IEventBus Bus { get; }

    /// <summary>Every addon's commands, to call them by name.</summary>
    ICommandRegistry Commands { get; }

    /// <summary>Every addon's options.</summary>
    IOptionStore Options { get; }

    /// <summary>
    /// Puts flows through every addon's hooks as the proxy does for captured flows. A loader made without an addon chain
    /// (a test's) throws <see cref="NotSupportedException"/>.
    /// </summary>
    IFlowInjector Flows { get; }

    /// <summary>
    /// The flow files the host reads and writes: read any of them (mitmproxy's own, HAR, or a format an addon added),
    /// or add a format of your own.
    /// </summary>
    Interop.IFlowFiles FlowFiles { get; }

    /// <summary>
    /// The host's flow filters: parse an expression once, then match flows with it, exactly as the host's own flow
    /// output, <c>-r</c> and <c>-w</c> match them.
    /// </summary>
    IFlowFilters Filters { get; }

    /// <summary>A logger named after the addon.</summary>
    ILogger Logger { get; }

    /// <summary>
    /// Adds a check to the host's readiness (the control endpoint's <c>/health/ready</c>, for a service manager or a
    /// load balancer), such as whether a session file can be written. It is named <c>ADDON.NAME</c> in the report, runs
    /// when the health is asked for (keep it cheap and bounded: a few milliseconds), and goes when the addon unloads.
    /// An exception it throws counts as unhealthy, with the exception's message. Since contract 2.1.
    /// </summary>
    /// <param name="name">A lower_snake_case name, unique among the addon's checks, such as <c>writable</c>.</param>
    /// <param name="check">Finds the addon's health now.</param>
    void AddHealthCheck(string name, Func<CancellationToken, ValueTask<Health.AddonHealth>> check);
}
