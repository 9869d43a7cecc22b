using System.Collections;
using System.Reflection;
using Addons.Abstractions.Flows;

namespace Addons.Session.Tests.Storage;

/// <summary>
/// Compares flows property by property through reflection, so that a property added to the flow model later fails
/// these tests until the sample sets it and the codec stores it.
/// </summary>
internal static class ModelAssert
{
    /// <summary>
    /// Runtime state of a live flow that is deliberately not stored: a restored flow is neither live, nor intercepted,
    /// nor killable. Everything else, settable or derived, must survive.
    /// </summary>
    private static readonly HashSet<(Type, string)> NotStored =
    [
        (typeof(Flow), nameof(Flow.Live)),
        (typeof(Flow), nameof(Flow.Intercepted)),
        (typeof(Flow), nameof(Flow.Killable)),
    ];

    /// <summary>Asserts that every public property of <paramref name="actual"/>, recursively, equals <paramref name="expected"/>'s.</summary>
    public static void AllPropertiesEqual(object? expected, object? actual, string path = "flow")
    {
        if (expected is null || actual is null)
        {
            Assert.That(actual is null, Is.EqualTo(expected is null), $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
            return;
        }

        var type = expected.GetType();
        Assert.That(actual.GetType(), Is.EqualTo(type), $"{path}: type");
        switch (expected)
        {
            case string or bool or int or long or Guid or Enum:
                Assert.That(actual, Is.EqualTo(expected), path);
                return;
            case DateTimeOffset time:
                Assert.That(((DateTimeOffset)actual).UtcTicks, Is.EqualTo(time.UtcTicks), $"{path}: instant");
                return;
            case byte[] bytes:
                Assert.That((byte[])actual, Is.EqualTo(bytes).AsCollection, path);
                return;
            case IDictionary<string, string> dictionary:
                var other = (IDictionary<string, string>)actual;
                Assert.That(other.Keys, Is.EquivalentTo(dictionary.Keys), $"{path}: keys");
                foreach (var (key, value) in dictionary)
                {
                    Assert.That(other[key], Is.EqualTo(value), $"{path}[{key}]");
                }

                return;
            case IEnumerable sequence when type.Namespace != typeof(Flow).Namespace || expected is HttpHeaders:
                var left = sequence.Cast<object?>().ToList();
                var right = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.That(right, Has.Count.EqualTo(left.Count), $"{path}: count");
                for (var i = 0; i < left.Count; i++)
                {
                    AllPropertiesEqual(left[i], right[i], $"{path}[{i}]");
                }

                return;
        }

        if (type.Namespace != typeof(Flow).Namespace)
        {
            Assert.Fail($"{path}: the comparison does not know {type}; teach FlowCodec to store it and this helper to compare it.");
        }

        foreach (var property in ComparedProperties(type))
        {
            AllPropertiesEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    /// <summary>
    /// Asserts that every settable property of the model, recursively, holds a value other than its default in at
    /// least one of <paramref name="instances"/>: a sample that leaves one out cannot prove the codec stores it.
    /// </summary>
    public static void EveryPropertySet(IReadOnlyList<object> instances, string path)
    {
        foreach (var group in instances.GroupBy(i => i.GetType()))
        {
            var type = group.Key;
            var fresh = type.GetConstructor(Type.EmptyTypes)?.Invoke(null);
            foreach (var property in ComparedProperties(type).Where(p => p.CanWrite))
            {
                var values = group.Select(property.GetValue).ToList();
                var defaultValue = fresh is null ? null : property.GetValue(fresh);
                var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null;
                Assert.That(values.Any(v => nullable ? v is not null : IsSet(v, defaultValue)), Is.True,
                    $"{path}.{property.Name} ({type.Name}) is left at its default in the sample; set it there and store it in FlowCodec.");

                var children = values.SelectMany(Children).ToList();
                if (children.Count > 0)
                {
                    EveryPropertySet(children, $"{path}.{property.Name}");
                }
            }
        }
    }

    private static IEnumerable<PropertyInfo> ComparedProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && !NotStored.Contains((p.DeclaringType!, p.Name)));

    // Model objects below a property, to check in turn (a model class, or the model classes in a list).
    private static IEnumerable<object> Children(object? value) => value switch
    {
        null or string or HttpHeaders => [],
        IEnumerable list => list.Cast<object>().Where(IsModelClass),
        _ when IsModelClass(value) && value.GetType().IsClass => [value],
        _ => [],
    };

    private static bool IsModelClass(object value) => value.GetType().Namespace == typeof(Flow).Namespace && value.GetType().IsClass;

    private static bool IsSet(object? value, object? defaultValue) => value switch
    {
        null => false,
        string s => s.Length > 0 && !Equals(s, defaultValue),
        byte[] bytes => bytes.Length > 0,
        ICollection collection => collection.Count > 0,
        IReadOnlyCollection<HeaderField> headers => headers.Count > 0,
        DateTimeOffset time => time != default,
        Guid id => id != Guid.Empty,
        _ when value.GetType().IsValueType => !Equals(value, Activator.CreateInstance(value.GetType())) && !Equals(value, defaultValue),
        _ => true,
    };

    private static string Describe(object? value) => value is null ? "null" : $"a {value.GetType().Name}";
}
