using System.Reflection;
using System.Runtime.Loader;

namespace Addons.Bridge;

/// <summary>
/// Finds the bus message types bridge_types names among the assemblies the process has loaded: the contract's, those
/// plugins share (their entries' <c>Shares</c>), and the plugins' own. A type must be one type for every plugin that
/// uses it, so a name found in more than one load context is refused with the advice to share its assembly.
/// </summary>
internal static class BridgeTypes
{
    /// <summary>The types, or the sentence that says which name cannot be bridged and why.</summary>
    public static (List<Type> Types, string? Problem) Resolve(IEnumerable<string> names)
    {
        var types = new List<Type>();
        foreach (var name in names)
        {
            var found = AppDomain.CurrentDomain.GetAssemblies()
                .Where(assembly => !assembly.IsDynamic)
                .Select(assembly => assembly.GetType(name, throwOnError: false))
                .OfType<Type>()
                .Distinct()
                .ToList();
            if (found.Count == 0)
            {
                return ([], $"bridge_types: no loaded assembly declares {name}; give a message type's full name (Namespace.Type), from the contract or an assembly the plugins share.");
            }

            if (found.Count > 1)
            {
                var contexts = string.Join(", ", found.Select(t => AssemblyLoadContext.GetLoadContext(t.Assembly)?.Name ?? "default"));
                return ([], $"bridge_types: {name} is declared by {found.Count} copies of its assembly ({contexts}), so the plugins' messages are different types; list {found[0].Assembly.GetName().Name} in their Shares.");
            }

            var type = found[0];
            // A value type is copied when published, so the bridge could not tell a message it received from one to send.
            if (type.IsGenericType || type.IsAbstract || type.IsValueType || !type.IsVisible)
            {
                return ([], $"bridge_types: {name} cannot be bridged: a message type must be a public, concrete, non-generic class or record.");
            }

            if (!types.Contains(type))
            {
                types.Add(type);
            }
        }

        return (types, null);
    }
}
