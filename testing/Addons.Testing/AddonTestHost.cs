using System.Reflection;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Health;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host;
using Addons.Host.Chain;
using Addons.Host.Commands;
using Addons.Host.Configuration;
using Addons.Host.Diagnostics;
using Addons.Host.Dump;
using Addons.Host.Events;
using Addons.Host.Health;
using Addons.Host.Loading;
using Addons.Host.Options;
using Addons.Testing.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Addons.Testing;

/// <summary>
/// Addons running in the test's process as the host runs them (mitmproxy's <c>taddons.context</c>): on the host's own
/// option store, event bus (each addon through its own connection to it), command registry, flow injector and addon
/// chain, with every log entry captured and every bus message recorded. Start one with <see cref="StartAsync(Addon[])"/>
/// for addon instances or <see cref="StartPluginAsync"/> for a built plugin; dispose it to run <c>done</c>.
/// </summary>
/// <remarks>
/// What the host does, this does the same way: <c>load</c>, the first <c>configure</c> with every option, then
/// <c>running</c>; option changes that roll back when an addon rejects them; hooks delivered in chain order, an
/// addon's exception logged (not thrown) and the next addon still called, <see cref="HookContext.Halt"/> stopping one
/// event; a killed flow ending with its error hook; <c>done</c> in reverse order. Only the proxy is left out: no
/// socket is opened, and the host's built-in addons (proxy, intercept, file reading and writing, dump, control, client
/// replay) are not loaded.
/// </remarks>
public sealed class AddonTestHost : IAsyncDisposable
{
    /// <summary>How long <c>done</c> may take in <see cref="DisposeAsync"/>: the host's default shutdown timeout.</summary>
    private static readonly TimeSpan DoneTimeout = TimeSpan.FromSeconds(30);

    private readonly LogCapture _logs;
    private readonly EventBus _bus;
    private readonly AddonChain _chain;
    private readonly OptionStore _options;
    private readonly CommandRegistry _commands;
    private readonly FlowInjector _injector;
    private readonly FlowFileFormats _flowFiles = new();
    private readonly AddonHealthChecks _health = new();
    private readonly AddonEventBus _testBus;
    private readonly ServiceProvider _services;
    private readonly List<object> _published = [];
    private int _disposed;

    private AddonTestHost(LogCapture logs, EventBus bus, AddonChain chain, OptionStore options, CommandRegistry commands, ServiceProvider services)
    {
        _logs = logs;
        _bus = bus;
        _chain = chain;
        _options = options;
        _commands = commands;
        _services = services;
        _injector = new FlowInjector(chain);
        _testBus = new AddonEventBus(bus, "test");
        bus.Observer = Record;
    }

    /// <summary>The addons, in chain order.</summary>
    public IReadOnlyList<Addon> Addons => [.. _chain.Addons.Select(a => a.Instance)];

    /// <summary>Every addon's options: the host's own store (<c>ctx.options</c>).</summary>
    public IOptionStore Options => _options;

    /// <summary>Every addon's commands: the host's own registry.</summary>
    public ICommandRegistry Commands => _commands;

    /// <summary>Puts flows through the chain as <c>loader.Flows</c> does for an addon; <see cref="CycleAsync"/> uses it.</summary>
    public IFlowInjector Flows => _injector;

    /// <summary>
    /// The test's own connection to the bus, as an addon named <c>test</c>: publish into the addons, or subscribe to
    /// what they publish. Its subscriptions end when the host is disposed.
    /// </summary>
    public IEventBus Bus => _testBus;

    /// <summary>Every log entry so far, in order: the addons' and the host's (such as a hook's failure), at every level.</summary>
    public IReadOnlyList<CapturedLog> Logs => _logs.Entries;

    /// <summary>
    /// Starts <paramref name="addons"/> in this order as the host starts its plugins: <c>load</c>, the first
    /// <c>configure</c> with every option at its default, then <c>running</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Two addons have one name, or an addon failed in <c>load</c>; the message says which.</exception>
    /// <exception cref="OptionsException">An addon rejected its options in the first <c>configure</c>; the message is the host's sentence.</exception>
    public static Task<AddonTestHost> StartAsync(params Addon[] addons) => StartAsync(addons, new Dictionary<string, string>());

    /// <summary>Starts <paramref name="addon"/> with option values given as text, as <c>--set name=value</c> gives them.</summary>
    /// <exception cref="OptionsException">
    /// An option is unknown or its value does not parse, or the addon rejected the options in the first <c>configure</c>.
    /// </exception>
    /// <exception cref="InvalidOperationException">The addon failed in <c>load</c>.</exception>
    public static Task<AddonTestHost> StartAsync(Addon addon, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(addon);
        return StartAsync([addon], options);
    }

    /// <summary>
    /// Starts <paramref name="addons"/> in this order with option values given as text (<c>--set name=value</c>): they
    /// are set after every <c>load</c> and before the first <c>configure</c>, which sees them.
    /// </summary>
    /// <exception cref="OptionsException">
    /// An option is unknown or its value does not parse, or an addon rejected the options in the first <c>configure</c>.
    /// </exception>
    /// <exception cref="InvalidOperationException">Two addons have one name, or an addon failed in <c>load</c>.</exception>
    public static Task<AddonTestHost> StartAsync(IReadOnlyList<Addon> addons, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(addons);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var addon in addons)
        {
            ArgumentNullException.ThrowIfNull(addon, nameof(addons));
        }

        return StartCoreAsync(host => addons.Select((addon, order) => host.Instance(addon, order)), options);
    }

    /// <summary>
    /// Loads a built plugin as the host loads one named by <c>--addon</c>: its own load context sharing only the
    /// contract, its contract version and dependencies checked, the type of its <c>[assembly: AddonEntryPoint]</c>
    /// created with the services its constructor asks for (<c>ILogger&lt;T&gt;</c>, <c>IEventBus</c>, ...). A
    /// <c>.csproj</c> is built first (<c>dotnet build</c>, Debug), as <c>--addon</c> builds it. Then it starts as
    /// <see cref="StartAsync(Addon[])"/> does.
    /// </summary>
    /// <param name="pluginAssemblyPath">The plugin's main .dll (in its build or publish folder), or its .csproj.</param>
    /// <param name="options">Option values as text, as <c>--set name=value</c> gives them; none when <c>null</c>.</param>
    /// <exception cref="InvalidOperationException">The plugin cannot be loaded or failed in <c>load</c>; the message is the host's sentence.</exception>
    /// <exception cref="OptionsException">An option is unknown or does not parse, or the addon rejected its options.</exception>
    public static Task<AddonTestHost> StartPluginAsync(string pluginAssemblyPath, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginAssemblyPath);
        return StartCoreAsync(host => [host.PluginAsync(pluginAssemblyPath)], options ?? new Dictionary<string, string>());
    }

    /// <summary>
    /// Sets one option through the store, as <c>--set</c> or a command would at run time: every addon's
    /// <c>configure</c> runs with the name (mitmproxy's <c>tctx.configure</c>).
    /// </summary>
    /// <exception cref="OptionsException">
    /// The name is unknown, the value does not parse, or an addon rejected it (the option is then as it was); the
    /// message is the host's sentence.
    /// </exception>
    public Task ConfigureAsync(string name, string value, CancellationToken cancellationToken = default) =>
        ConfigureAsync(new Dictionary<string, string>(StringComparer.Ordinal) { [name] = value }, cancellationToken);

    /// <summary>Sets several options at once as text: one <c>configure</c> with all their names, rolled back together if rejected.</summary>
    /// <exception cref="OptionsException">A name is unknown, a value does not parse, or an addon rejected the change.</exception>
    public Task ConfigureAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return _options.SetAsync(values, cancellationToken).AsTask();
    }

    /// <summary>
    /// Runs <paramref name="flow"/> through every hook the proxy would, in order, as the host puts a captured flow
    /// through the chain (mitmproxy's <c>tctx.cycle</c>): for HTTP <c>requestheaders</c>, <c>request</c>, then with a
    /// response <c>responseheaders</c> and <c>response</c>, then for a WebSocket its start, one message hook per
    /// message and its end, or with an error <c>error</c>; for TCP and UDP start, one message hook per message, then
    /// end or error; for DNS <c>dns_request</c>, <c>dns_response</c> with a response, <c>dns_error</c> with an error.
    /// Each hook is followed by <c>update</c>; the flow is <see cref="Flow.Live"/> while they run.
    /// </summary>
    /// <remarks>
    /// An addon that halts stops that hook only; one that kills the flow ends the run with the error hook (none once
    /// the response has run); one that intercepts it holds the run until the flow is resumed or
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    /// <returns>False when an addon killed the flow before its last hook.</returns>
    public Task<bool> CycleAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return _injector.InjectAsync(flow, cancellationToken).AsTask();
    }

    /// <summary>
    /// Delivers one hook through the chain, exactly as the host delivers it (mitmproxy's <c>tctx.invoke</c>): to
    /// every addon that overrides it, in chain order, an addon's exception logged and the next addon still called,
    /// until one halts. Nothing else runs: no <c>update</c> follows, and an intercepted flow is not waited for.
    /// </summary>
    /// <param name="hook">The hook's mitmproxy name (<c>request</c>, <c>tcp_message</c>) or its method (<c>RequestAsync</c>).</param>
    /// <param name="context">The hook's context, of the type its method takes.</param>
    /// <returns>The context, to read what the addons did with it (<see cref="HookContext.IsHalted"/>, a rejection).</returns>
    /// <exception cref="ArgumentException">There is no such hook, or it takes another type of context.</exception>
    public async Task<TContext> InvokeAsync<TContext>(string hook, TContext context)
        where TContext : HookContext
    {
        ArgumentNullException.ThrowIfNull(context);
        var descriptor = HookNames.Find(hook, context.GetType());
        await _chain.InvokeAsync(descriptor.Hook, context, HookNames.FlowOf(context)).ConfigureAwait(false);
        return context;
    }

    /// <summary>
    /// Delivers one hook about <paramref name="flow"/> as <see cref="InvokeAsync{TContext}"/> does, with the context
    /// made for it: a flow hook's (<c>request</c>, <c>tcp_message</c>, <c>dns_response</c>...), <c>update</c> with
    /// this flow, or a connection hook's with the flow's client and server (<c>client_connected</c>, <c>server_connect</c>...).
    /// </summary>
    /// <returns>The context the addons were given.</returns>
    /// <exception cref="ArgumentException">There is no such hook, or it is not about a flow of this type.</exception>
    public async Task<HookContext> InvokeAsync(string hook, Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var descriptor = HookNames.Find(hook, null);
        var context = HookNames.ContextFor(descriptor, flow, cancellationToken);
        await _chain.InvokeAsync(descriptor.Hook, context, flow).ConfigureAwait(false);
        return context;
    }

    /// <summary>
    /// Runs a command through the registry with its arguments as text, as <c>addons-host --command</c> and the console
    /// give them: each converted to its parameter's type, flow selectors resolved by <c>view.flows.resolve</c>.
    /// </summary>
    /// <returns>The command's result (awaited if it is a task), or <c>null</c> for a command without one.</returns>
    /// <exception cref="CommandException">
    /// The command is unknown, an argument is missing or does not convert, or the command failed; the message is the host's sentence.
    /// </exception>
    public Task<object?> CommandAsync(string name, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return _commands.ExecuteAsync(name, arguments).AsTask();
    }

    /// <summary>
    /// Runs a command with typed arguments, as another addon calls one through <see cref="ICommandRegistry.CallAsync"/>:
    /// a <see cref="Flow"/> for a flow parameter, an <see cref="int"/> for a whole number; text is converted as
    /// <see cref="CommandAsync"/> converts it.
    /// </summary>
    /// <exception cref="CommandException">The command is unknown, an argument does not fit, or the command failed.</exception>
    public Task<object?> CallAsync(string name, params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return _commands.CallAsync(name, arguments).AsTask();
    }

    /// <summary>
    /// Publishes <paramref name="message"/> on the bus as an addon named <c>test</c> would, and returns once its
    /// synchronous subscribers have run and its asynchronous ones have it queued.
    /// </summary>
    public Task PublishAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : notnull => _testBus.PublishAsync(message, cancellationToken).AsTask();

    /// <summary>
    /// Runs every health check the addons added (<c>IAddonLoader.AddHealthCheck</c>) as the host's readiness does, and
    /// returns each result by its name in the report, <c>ADDON.NAME</c>; a check that throws, or takes longer than 5 s, is
    /// unhealthy with why.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, AddonHealth>> HealthAsync(CancellationToken cancellationToken = default)
    {
        var results = await _health.RunAllAsync(cancellationToken).ConfigureAwait(false);
        return new SortedDictionary<string, AddonHealth>(results.ToDictionary(r => r.Check.Name, r => r.Health), StringComparer.Ordinal);
    }

    /// <summary>The messages of type <typeparamref name="T"/> (or derived from it) published on the bus since the start or the last <see cref="ClearPublished"/>, in order; <c>Published&lt;object&gt;()</c> is every message.</summary>
    public IReadOnlyList<T> Published<T>()
    {
        lock (_published)
        {
            return [.. _published.OfType<T>()];
        }
    }

    /// <summary>Forgets the messages recorded so far, so that <see cref="Published{T}"/> shows only later ones.</summary>
    public void ClearPublished()
    {
        lock (_published)
        {
            _published.Clear();
        }
    }

    /// <summary>
    /// Whether a log entry so far contains <paramref name="text"/> (ordinal), at <paramref name="level"/> if one is
    /// given (mitmproxy's <c>tctx.master.has_log</c>).
    /// </summary>
    public bool HasLog(string text, LogLevel? level = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _logs.Entries.Any(l => l.Message.Contains(text, StringComparison.Ordinal) && (level is null || l.Level == level));
    }

    /// <summary>Forgets the log entries so far, so that <see cref="Logs"/> and <see cref="HasLog"/> see only later ones.</summary>
    public void ClearLogs() => _logs.Clear();

    /// <summary>
    /// Stops the addons as the host stops: <c>done</c> in reverse chain order (each within the host's shutdown timeout
    /// of 30 s), then every bus subscription ends. Only the first call does anything. <see cref="Logs"/>,
    /// <see cref="Published{T}"/>, the options and the commands can still be read and called afterwards, as in a host that
    /// has stopped.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _chain.Dispose();
        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<AddonTestHost> StartCoreAsync(Func<AddonTestHost, IEnumerable<Task<LoadedAddon>>> addons, IReadOnlyDictionary<string, string> options)
    {
        var logs = new LogCapture();
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(logs)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(TimeProvider.System)
            .AddMetrics()
            .AddSingleton<HostMetrics>()
            .BuildServiceProvider();
        var metrics = services.GetRequiredService<HostMetrics>();
        var host = new AddonTestHost(
            logs,
            new EventBus(new Logger<EventBus>(logs), metrics),
            new AddonChain(new Logger<AddonChain>(logs), logs, metrics, TimeProvider.System),
            new OptionStore(),
            new CommandRegistry(),
            services);
        try
        {
            foreach (var loading in addons(host))
            {
                host.Register(await loading.ConfigureAwait(false));
            }

            host.AssignInitial(options);
            host._options.Configure = host._chain.ConfigureAsync;
            var all = host._options.All.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            if (await host._chain.ConfigureAsync(all, isInitial: true, CancellationToken.None).ConfigureAwait(false) is { } rejection)
            {
                throw new OptionsException($"{rejection} The host does not start with options an addon refuses.");
            }

            await host._chain.InvokeAsync(Hook.Running, new LifecycleContext(CancellationToken.None)).ConfigureAwait(false);
            return host;
        }
        catch
        {
            // As the host does when it cannot start: the addons that loaded get their done.
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An addon instance, held as the host holds a plugin's addon, with its own connection to the bus.</summary>
    private Task<LoadedAddon> Instance(Addon addon, int order)
    {
        var name = addon.Name;
        var type = addon.GetType();
        var entry = new PluginEntry(name, "(instance)", [], Enabled: true, order, Required: true, EmptySection());
        var version = type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? type.Assembly.GetName().Version?.ToString() ?? "0.0.0";
        return Task.FromResult(new LoadedAddon(entry, type.Assembly.Location, null, addon, version, new AddonEventBus(_bus, name)));
    }

    /// <summary>A plugin loaded by the host's own factory, as the host loads one that <c>--addon</c> names.</summary>
    private async Task<LoadedAddon> PluginAsync(string path)
    {
        var argument = new AddonArgument(path);
        var entry = new PluginEntry(argument.Id, path, [argument.FullPath], Enabled: true, 0, Required: true, EmptySection()) { Argument = argument };
        var exchanged = new ExchangedAssemblies(new Logger<ExchangedAssemblies>(_logs));
        exchanged.Prepare([entry]);
        var factory = new PluginAddonFactory(_services, _bus, _commands, _options, new PluginProjectBuilder(new Logger<PluginProjectBuilder>(_logs)), exchanged, _logs);
        try
        {
            return await factory.CreateAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AddonHostException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    /// <summary>Checks the name is free and runs <c>load</c> with the host's loader, then adds the addon to the chain.</summary>
    private void Register(LoadedAddon addon)
    {
        if (_chain.Find(addon.Name) is { } other)
        {
            addon.Loader?.Dispose();
            throw new InvalidOperationException(
                $"Addons {other.Instance.GetType().FullName} and {addon.Instance.GetType().FullName} are both named '{addon.Name}'; addon names must be unique.");
        }

        var category = addon.Instance.GetType().FullName ?? addon.Name;

        // An ILogger<T> of a nested type is named with '.' where the type's full name has '+'.
        _logs.Attribute(category.Replace('+', '.'), addon.Name);
        try
        {
            var loader = new AddonRegistration(addon.Name, addon.Bus, _commands, _options, _logs.CreateAddonLogger(category, addon.Name), _injector, _flowFiles.For(addon.Name), _health);
            addon.Instance.Load(loader);
        }
        catch (Exception ex)
        {
            addon.Bus.DisposeSubscriptions();
            _commands.RemoveOwner(addon.Name);
            _options.RemoveOwner(addon.Name);
            _flowFiles.RemoveOwner(addon.Name);
            _health.RemoveOwner(addon.Name);
            addon.Loader?.Dispose();
            throw new InvalidOperationException($"Addon '{addon.Name}' failed in load: {ex.Message}", ex);
        }

        _chain.Add(addon);
    }

    /// <summary>The values given at start, checked and converted as the host takes <c>--set</c>; every mistake is one sentence.</summary>
    private void AssignInitial(IReadOnlyDictionary<string, string> values)
    {
        var errors = new List<string>();
        foreach (var (name, text) in values)
        {
            if (_options.TryConvert(name, text, out var value, out var error))
            {
                _options.AssignInitial(name, value);
            }
            else
            {
                errors.Add(char.ToUpperInvariant(error![0]) + error[1..]);
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(string.Join(" ", errors));
        }
    }

    private async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(DoneTimeout);
        await _chain.DoneAsync(timeout.Token).ConfigureAwait(false);
        foreach (var addon in _chain.Addons)
        {
            addon.Bus.DisposeSubscriptions();
        }

        _testBus.DisposeSubscriptions();
    }

    private void Record(object message)
    {
        lock (_published)
        {
            _published.Add(message);
        }
    }

    private static IConfigurationSection EmptySection() => new ConfigurationBuilder().Build().GetSection("Options");
}
