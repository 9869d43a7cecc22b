namespace Addons.StreamTester.Tests;

public sealed class StreamParametersTests
{
    [Test]
    public void Arguments_override_the_defaults_key_by_key()
    {
        var parameters = new StreamParameters().With(["rate=2500", "burst=5", "duration=2s", "count=700", "body_size=4096", "producers=3", "unit=@abc", "output=/tmp/x"]);

        Assert.Multiple(() =>
        {
            Assert.That(parameters.EffectiveRate, Is.EqualTo(2500));
            Assert.That(parameters.Burst, Is.EqualTo(5));
            Assert.That(parameters.Duration, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(parameters.Count, Is.EqualTo(700));
            Assert.That(parameters.BodySize, Is.EqualTo(4096));
            Assert.That(parameters.Producers, Is.EqualTo(3));
            Assert.That(parameters.Unit, Is.EqualTo("@abc"));
            Assert.That(parameters.Output, Is.EqualTo("/tmp/x"));
            Assert.That(parameters.BurstPeriod, Is.EqualTo(TimeSpan.FromSeconds(5 / (2500 / 3.0))));
        });
    }

    [Test]
    public void Rate_max_means_as_fast_as_the_system_takes_flows()
    {
        var parameters = new StreamParameters().With(["rate=max"]);

        Assert.That(parameters.EffectiveRate, Is.Null);
        Assert.That(parameters.BurstPeriod, Is.Null);
        Assert.That(parameters.Describe(), Does.Contain("rate=max"));
    }

    [Test]
    public void A_period_sets_the_rate_from_the_bursts_and_producers_whatever_their_order()
    {
        var parameters = new StreamParameters().With(["period=100ms", "burst=10", "producers=2"]);

        Assert.That(parameters.EffectiveRate, Is.EqualTo(200).Within(1e-9), "10 flows from each of 2 producers every 100 ms");
        Assert.That(parameters.BurstPeriod, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
    }

    [Test]
    public void Zero_duration_and_count_mean_no_limit_of_that_kind()
    {
        var parameters = new StreamParameters().With(["duration=0", "count=1000"]);

        Assert.That(parameters.Duration, Is.Null);
        Assert.That(parameters.Count, Is.EqualTo(1000));
    }

    [TestCase("rate=0", "rate must be a positive number of flows per second or max, not 0.")]
    [TestCase("rate=-5", "rate must be a positive number of flows per second or max, not -5.")]
    [TestCase("rate=fast", "rate 'fast' is neither a number of flows per second nor max.")]
    [TestCase("period=0s", "period must be longer than zero, not '0s'.")]
    [TestCase("duration=soon", "duration 'soon' is not a duration such as 500ms, 10s, 2m or 00:00:10.")]
    [TestCase("body_size=16777217", "body_size must be from 0 to 16,777,216 bytes (16 MiB), not 16,777,217.")]
    [TestCase("body_size=-1", "body_size must be from 0 to 16,777,216 bytes (16 MiB), not -1.")]
    [TestCase("burst=0", "burst must be at least 1 flow, not 0.")]
    [TestCase("producers=0", "producers must be from 1 to 256, not 0.")]
    [TestCase("count=many", "count 'many' is not a whole number.")]
    [TestCase("speed=10", "Unknown stream parameter 'speed'; the keys are rate, period, burst, duration, count, body_size, producers, unit, file, output.")]
    [TestCase("rate", "Argument 'rate' is not key=value; the keys are rate, period, burst, duration, count, body_size, producers, unit, file, output.")]
    public void Bad_input_is_one_sentence_naming_the_key_and_value(string argument, string message)
    {
        var error = Assert.Throws<FormatException>(() => new StreamParameters().With([argument]));

        Assert.That(error!.Message, Is.EqualTo(message));
    }
}
