using Addons.Abstractions.Filters;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>Every malformed expression fails with the position and what the parser expected there.</summary>
public sealed class FlowFilterParseErrorTests
{
    [TestCase("", 0, "a filter expression")]
    [TestCase("   ", 3, "a filter expression")]
    [TestCase("~mark", 0, "a known operator instead of ~mark (did you mean ~marked or ~marker?)")]
    [TestCase("~~", 0, "a known operator instead of ~~")]
    [TestCase("~", 0, "a known operator instead of ~")]
    [TestCase("~q ~bogus", 3, "a known operator instead of ~bogus")]
    [TestCase("~u\"x\"", 0, "a known operator instead of ~u\"x\"")]
    [TestCase("~hq", 3, "a regular expression after ~hq")]
    [TestCase("~hq   ", 6, "a regular expression after ~hq")]
    [TestCase("~b", 2, "a regular expression after ~b")]
    [TestCase("~m (get)", 3, "a regular expression after ~m")]
    [TestCase("(~m)", 3, "a regular expression after ~m")]
    [TestCase("~m ~q", 3, "a regular expression after ~m")]
    [TestCase("~h & ~s", 3, "a regular expression after ~h")]
    [TestCase("~h | ~s", 3, "a regular expression after ~h")]
    [TestCase("~c abc", 3, "a status code (an integer) after ~c")]
    [TestCase("~c", 2, "a status code (an integer) after ~c")]
    [TestCase("~c 4O4", 3, "a status code (an integer) after ~c")]
    [TestCase("~c -1", 3, "a status code (an integer) after ~c")]
    [TestCase("~c 99999999999", 3, "a status code (an integer) after ~c")]
    [TestCase("~c \"404\"", 3, "a status code (an integer) after ~c")]
    [TestCase("(~q", 3, "')'")]
    [TestCase("((~q) ~s", 8, "')'")]
    [TestCase("~q)", 2, "the end of the expression (this ')' has no matching '(')")]
    [TestCase("~q ~s )", 6, "the end of the expression (this ')' has no matching '(')")]
    [TestCase("()", 1, "a filter expression after '('")]
    [TestCase("( )", 2, "a filter expression after '('")]
    [TestCase("~q &", 4, "a filter after '&'")]
    [TestCase("~q |", 4, "a filter after '|'")]
    [TestCase("~q & | ~s", 5, "a filter after '&'")]
    [TestCase("~q & )", 5, "a filter after '&'")]
    [TestCase("& ~q", 0, "a filter before '&'")]
    [TestCase("| ~q", 0, "a filter before '|'")]
    [TestCase("~q (| ~s)", 4, "a filter before '|'")]
    [TestCase("!", 1, "a filter after '!'")]
    [TestCase("~q !", 4, "a filter after '!'")]
    [TestCase("~u \"abc", 7, "'\"' to close the quoted string")]
    [TestCase("'abc", 4, "\"'\" to close the quoted string")]
    [TestCase("~u \"abc\\\"", 9, "'\"' to close the quoted string")]
    public void MalformedExpressionsNameThePositionAndWhatWasExpected(string expression, int position, string expected)
    {
        var error = Assert.Throws<FlowFilterException>(() => FlowFilter.Parse(expression))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Expression, Is.EqualTo(expression));
            Assert.That(error.Position, Is.EqualTo(position));
            Assert.That(error.Expected, Is.EqualTo(expected));
            Assert.That(error.Message, Does.Contain("Invalid filter expression"));
            Assert.That(error.Message, Is.EqualTo($"Invalid filter expression '{expression}' at position {position}: expected {expected}"));
        });
    }

    [TestCase("~u \"(\"", 3, "a valid regular expression for ~u")]
    [TestCase("~q ~b [a-", 6, "a valid regular expression for ~b")]
    [TestCase("~q *foo", 3, "a valid regular expression for the URL")]
    [TestCase("~h \"x{2,1}\"", 3, "a valid regular expression for ~h")]
    public void ARegexThatDoesNotCompileIsReportedWithTheReason(string expression, int position, string expected)
    {
        var error = Assert.Throws<FlowFilterException>(() => FlowFilter.Parse(expression))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Position, Is.EqualTo(position));
            Assert.That(error.Expected, Is.EqualTo(expected));
            Assert.That(error.Message, Does.StartWith($"Invalid filter expression '{expression}' at position {position}: the regular expression for "));
            Assert.That(error.Message, Does.Contain("does not compile: "));
            Assert.That(error.InnerException, Is.InstanceOf<ArgumentException>());
        });
    }

    [Test]
    public void TheStandardConstructorsLeaveTheDetailsEmpty()
    {
        var error = new FlowFilterException("custom", new InvalidOperationException());

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Is.EqualTo("custom"));
            Assert.That(error.Expression, Is.Empty);
            Assert.That(error.Expected, Is.Empty);
            Assert.That(error.Position, Is.Zero);
        });
    }
}
