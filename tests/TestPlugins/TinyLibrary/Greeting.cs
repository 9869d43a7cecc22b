namespace TinyLibrary;

/// <summary>The library's one function, so that its user references it.</summary>
public static class Greeting
{
    public static string Greet(string name) => $"Hello, {name}";
}
