using System.Text;
using System.Text.RegularExpressions;

namespace Addons.Abstractions.Tests;

/// <summary>
/// Turns the C#-like text PublicApiGenerator writes into one line per declaration, each prefixed with the namespace
/// or type it is in (<c>Addons.Abstractions.Addon: public virtual string Name { get; }</c>), so the public API can be
/// tracked line by line in PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt and a change names the lines it touches.
/// </summary>
internal static partial class PublicApiDeclarations
{
    public static IReadOnlyList<string> Read(string generatedApi)
    {
        var lines = generatedApi.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var declarations = new List<string>();
        var scopes = new Stack<string>();
        var pending = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (pending.Length == 0 && line == "{")
            {
                continue; // the block of the namespace or type just read
            }

            if (pending.Length == 0 && line == "}")
            {
                scopes.Pop();
                continue;
            }

            // A declaration may span lines: its attributes, a multi-line attribute argument, its where clauses.
            pending.Append(pending.Length == 0 ? "" : " ").Append(line);
            var text = pending.ToString();
            if (!IsBalanced(text))
            {
                continue;
            }

            var opensBlock = i + 1 < lines.Count && lines[i + 1] == "{";
            if (opensBlock && text.StartsWith("namespace ", StringComparison.Ordinal))
            {
                scopes.Push(text["namespace ".Length..]);
            }
            else if (opensBlock)
            {
                declarations.Add($"{scopes.Peek()}: {text}");
                scopes.Push($"{scopes.Peek()}.{TypeName().Match(text).Groups["name"].Value}");
            }
            else if (text.EndsWith(';') || text.EndsWith('}') || text.EndsWith(','))
            {
                declarations.Add($"{scopes.Peek()}: {text}");
            }
            else
            {
                continue; // an attribute line, or a signature whose where clause follows
            }

            pending.Clear();
        }

        return declarations;
    }

    /// <summary>Whether every bracket of <paramref name="text"/> outside string and character literals is closed.</summary>
    private static bool IsBalanced(string text)
    {
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth--;
            }
        }

        return depth == 0 && quote is null;
    }

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(?<name>\w+(?:<[^>]*>)?)")]
    private static partial Regex TypeName();
}
