using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Host.Options;

namespace Addons.Host.Commands;

/// <summary>
/// Every addon's commands. Signatures are checked when a command is registered, so a command that cannot be called
/// is refused at load time with its addon's name; arguments are converted from text by parameter type, and flow
/// arguments are resolved through <c>view.flows.resolve</c> as in mitmproxy.
/// </summary>
internal sealed partial class CommandRegistry : ICommandRegistry
{
    public const string ResolveFlowsCommand = "view.flows.resolve";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, RegisteredCommand> _commands = new(StringComparer.Ordinal);

    public void Register(string owner, string name, Delegate handler, string help)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!CommandName().IsMatch(name))
        {
            throw new CommandException($"Addon '{owner}': command name '{name}' is not valid; use dotted lower-case words such as view.filter.set.");
        }

        var method = handler.Method;
        var parameters = method.GetParameters();
        var infos = new List<CommandParameterInfo>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                continue;
            }

            var isRest = parameter.ParameterType == typeof(string[]) && IsLastArgument(parameters, i);
            if (!isRest && !IsSupportedArgument(parameter.ParameterType))
            {
                throw new CommandException(
                    $"Addon '{owner}': command '{name}' has parameter '{parameter.Name}' of type {parameter.ParameterType.Name}, which commands cannot take; use string, bool, int, long, double, an enum, Flow, IReadOnlyList<Flow> or a trailing string[].");
            }

            infos.Add(new CommandParameterInfo { Name = parameter.Name ?? $"arg{i}", Type = parameter.ParameterType, IsOptional = parameter.HasDefaultValue || isRest, IsRest = isRest });
        }

        var resultType = AwaitedType(method.ReturnType);
        var command = new RegisteredCommand(new CommandInfo { Name = name, Owner = owner, Help = help, Parameters = infos, ResultType = resultType }, handler, parameters, resultType);
        lock (_gate)
        {
            if (_commands.TryGetValue(name, out var existing))
            {
                throw new CommandException($"Addon '{owner}': command '{name}' is already registered by addon '{existing.Info.Owner}'.");
            }

            _commands.Add(name, command);
        }
    }

    /// <summary>Removes every command of an addon that is being unloaded.</summary>
    public void RemoveOwner(string owner) => Detach(owner);

    /// <summary>
    /// Takes every command of <paramref name="owner"/> out and returns them: a new build of the addon may then register
    /// the same names, and <see cref="Restore"/> puts them back if it fails to.
    /// </summary>
    public IReadOnlyList<RegisteredCommand> Detach(string owner)
    {
        lock (_gate)
        {
            var detached = _commands.Values.Where(c => c.Info.Owner == owner).ToList();
            foreach (var command in detached)
            {
                _commands.Remove(command.Info.Name);
            }

            return detached;
        }
    }

    /// <summary>Puts back commands taken out by <see cref="Detach"/>.</summary>
    public void Restore(IEnumerable<RegisteredCommand> commands)
    {
        lock (_gate)
        {
            foreach (var command in commands)
            {
                _commands[command.Info.Name] = command;
            }
        }
    }

    public IReadOnlyList<CommandInfo> List()
    {
        lock (_gate)
        {
            return [.. _commands.Values.Select(c => c.Info).OrderBy(c => c.Name, StringComparer.Ordinal)];
        }
    }

    public CommandInfo? Find(string name) => Lookup(name)?.Info;

    public ValueTask<object?> ExecuteAsync(string name, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return CallAsync(name, [.. arguments.Cast<object?>()], cancellationToken);
    }

    public async ValueTask<object?> CallAsync(string name, IReadOnlyList<object?> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var command = Lookup(name) ?? throw new CommandException(UnknownCommand(name));
        var values = await BindAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        object? result;
        try
        {
            result = command.Handler.DynamicInvoke(values);
            result = await AwaitResultAsync(result).ConfigureAwait(false);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw Failed(name, ex.InnerException);
        }
        catch (Exception ex) when (ex is not CommandException and not OperationCanceledException)
        {
            throw Failed(name, ex);
        }

        return result;
    }

    private static CommandException Failed(string name, Exception exception) => exception as CommandException
        ?? new CommandException($"Command '{name}' failed: {exception.Message}", exception);

    private RegisteredCommand? Lookup(string name)
    {
        lock (_gate)
        {
            return _commands.GetValueOrDefault(name);
        }
    }

    private string UnknownCommand(string name)
    {
        var prefix = name.Contains('.', StringComparison.Ordinal) ? name[..name.IndexOf('.', StringComparison.Ordinal)] : name;
        var similar = List().Select(c => c.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Take(5).ToList();
        return similar.Count == 0
            ? $"Unknown command '{name}'."
            : $"Unknown command '{name}'; did you mean {string.Join(", ", similar)}?";
    }

    private async ValueTask<object?[]> BindAsync(RegisteredCommand command, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
    {
        var info = command.Info;
        var required = info.Parameters.Count(p => !p.IsOptional);
        var hasRest = info.Parameters.Any(p => p.IsRest);
        if (arguments.Count < required || (!hasRest && arguments.Count > info.Parameters.Count))
        {
            var expected = info.Parameters.Count == 0 ? "no arguments" : $"{Plural(required, "argument")}{(info.Parameters.Count > required ? " or more" : "")} ({string.Join(" ", info.Parameters)})";
            throw new CommandException($"Command '{info.Name}' takes {expected}, got {arguments.Count}.");
        }

        var values = new object?[command.Parameters.Length];
        var next = 0;
        var declared = 0;
        for (var i = 0; i < command.Parameters.Length; i++)
        {
            var parameter = command.Parameters[i];
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                values[i] = cancellationToken;
                continue;
            }

            var declaredInfo = info.Parameters[declared++];
            if (declaredInfo.IsRest)
            {
                var rest = arguments.Skip(next).ToArray();
                next = arguments.Count;
                values[i] = rest.All(r => r is string) ? rest.Cast<string>().ToArray() : throw new CommandException(
                    $"Command '{info.Name}': argument '{declaredInfo.Name}' takes strings.");
                continue;
            }

            if (next >= arguments.Count)
            {
                values[i] = parameter.DefaultValue;
                continue;
            }

            values[i] = await ConvertAsync(info.Name, declaredInfo, arguments[next++], cancellationToken).ConfigureAwait(false);
        }

        return values;
    }

    private async ValueTask<object?> ConvertAsync(string command, CommandParameterInfo parameter, object? argument, CancellationToken cancellationToken)
    {
        var type = parameter.Type;
        if (argument is Flow single && IsFlowList(type) && !type.IsInstanceOfType(argument))
        {
            // One flow where a command takes several: a list of one.
            return type.IsArray ? new[] { single } : (IReadOnlyList<Flow>)[single];
        }

        if (argument is not string text)
        {
            return argument is null && !type.IsValueType || type.IsInstanceOfType(argument)
                ? argument
                : throw new CommandException($"Command '{command}': argument '{parameter.Name}' takes {CommandParameterInfo.TypeName(type)}, not {argument?.GetType().Name ?? "null"}.");
        }

        if (typeof(Flow).IsAssignableFrom(type) || IsFlowList(type))
        {
            var flows = await ResolveFlowsAsync(command, parameter, text, cancellationToken).ConfigureAwait(false);
            if (IsFlowList(type))
            {
                return type.IsArray ? flows.ToArray() : flows;
            }

            return flows.Count == 1 && type.IsInstanceOfType(flows[0])
                ? flows[0]
                : throw new CommandException($"Command '{command}': argument '{parameter.Name}' needs exactly one flow, but '{text}' selects {Plural(flows.Count, "flow")}.");
        }

        if (type == typeof(string))
        {
            return text;
        }

        if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        if (type != typeof(double) && OptionValues.TryParse(type, text, out var value))
        {
            return value;
        }

        throw new CommandException($"Command '{command}': argument '{parameter.Name}' takes {OptionValues.Describe(type)}, not '{text}'.");
    }

    private async ValueTask<IReadOnlyList<Flow>> ResolveFlowsAsync(string command, CommandParameterInfo parameter, string selector, CancellationToken cancellationToken)
    {
        if (Lookup(ResolveFlowsCommand) is null)
        {
            throw new CommandException($"Command '{command}': argument '{parameter.Name}' is a flow selector ('{selector}'), but no loaded addon provides {ResolveFlowsCommand} to resolve it (the View addon does).");
        }

        var result = await ExecuteAsync(ResolveFlowsCommand, [selector], cancellationToken).ConfigureAwait(false);
        return result is IEnumerable<Flow> flows
            ? [.. flows]
            : throw new CommandException($"Command '{ResolveFlowsCommand}' returned {result?.GetType().Name ?? "null"} instead of a list of flows.");
    }

    private static async ValueTask<object?> AwaitResultAsync(object? result)
    {
        switch (result)
        {
            case Task task:
                await task.ConfigureAwait(false);
                var resultProperty = task.GetType().GetProperty("Result");
                return resultProperty is null || resultProperty.PropertyType.Name == "VoidTaskResult" ? null : resultProperty.GetValue(task);
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                return null;
            case not null when result.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(ValueTask<>):
                var asTask = (Task)t.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(result, null)!;
                return await AwaitResultAsync(asTask).ConfigureAwait(false);
            default:
                return result;
        }
    }

    private static Type AwaitedType(Type returnType)
    {
        if (returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return typeof(void);
        }

        if (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        return returnType;
    }

    private static bool IsSupportedArgument(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) || type == typeof(double) ||
        type.IsEnum || typeof(Flow).IsAssignableFrom(type) || IsFlowList(type);

    private static bool IsFlowList(Type type) =>
        type == typeof(Flow[]) || type == typeof(IReadOnlyList<Flow>) || type == typeof(IEnumerable<Flow>);

    private static bool IsLastArgument(ParameterInfo[] parameters, int index) =>
        parameters.Skip(index + 1).All(p => p.ParameterType == typeof(CancellationToken));

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$")]
    private static partial Regex CommandName();
}
