using System.Reflection;
using Addons.Abstractions.Commands;

namespace Addons.Host.Commands;

/// <summary>A command's handler and what the registry learned from its signature once, at registration.</summary>
internal sealed class RegisteredCommand(CommandInfo info, Delegate handler, ParameterInfo[] parameters, Type awaitedResultType)
{
    public CommandInfo Info { get; } = info;

    public Delegate Handler { get; } = handler;

    /// <summary>Every parameter of the handler, including a <see cref="CancellationToken"/> the host supplies.</summary>
    public ParameterInfo[] Parameters { get; } = parameters;

    /// <summary>The handler's return type, or the T of a Task&lt;T&gt;/ValueTask&lt;T&gt; it returns.</summary>
    public Type ResultType { get; } = awaitedResultType;
}
