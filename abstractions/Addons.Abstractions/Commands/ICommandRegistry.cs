namespace Addons.Abstractions.Commands;

/// <summary>Every addon's commands, listed and invoked by name.</summary>
public interface ICommandRegistry
{
    /// <summary>Every registered command, sorted by name.</summary>
    IReadOnlyList<CommandInfo> List();

    /// <summary>The command named <paramref name="name"/>, or <c>null</c>.</summary>
    CommandInfo? Find(string name);

    /// <summary>
    /// Invokes a command with its arguments as text, converting each to the parameter's type (flow arguments are
    /// resolved through <c>view.flows.resolve</c>, so selectors such as <c>@focus</c> or a filter work). Throws
    /// <see cref="CommandException"/> naming the command and argument for an unknown command, a wrong number of
    /// arguments or a value that does not convert, and wrapping what the command itself threw.
    /// </summary>
    /// <returns>The command's result, or <c>null</c> for a command without one.</returns>
    ValueTask<object?> ExecuteAsync(string name, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);

    /// <summary>Invokes a command with typed arguments (strings are converted as in <see cref="ExecuteAsync"/>).</summary>
    ValueTask<object?> CallAsync(string name, IReadOnlyList<object?> arguments, CancellationToken cancellationToken = default);
}
