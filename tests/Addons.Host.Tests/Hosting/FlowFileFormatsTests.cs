using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Host.Dump;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>The registry of flow file formats addons add: dispatch by the file's first bytes, faults named, owners.</summary>
public sealed class FlowFileFormatsTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-formats-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_file_an_added_format_recognizes_is_read_by_it_and_others_by_the_built_in_readers()
    {
        var formats = new FlowFileFormats();
        formats.For("lines").AddFormat(new LinesFormat());
        var mine = Write("a.lines", "LINES\nhttps://example.com/a\nhttps://example.com/b\n");
        var har = Path.Combine(_folder, "b.har");
        using (var stream = File.Create(har))
        {
            HarFile.Write(stream, [FlowLifecycle.NewFlow("https://example.com/har")]);
        }

        Assert.That(formats.Read(mine).Cast<HttpFlow>().Select(f => f.Request.Url), Is.EqualTo(new[] { "https://example.com/a", "https://example.com/b" }));
        Assert.That(formats.Read(har).Cast<HttpFlow>().Select(f => f.Request.Url), Is.EqualTo(new[] { "https://example.com/har" }));
        Assert.That(formats.WriterFor(Path.Combine(_folder, "new.lines"))?.Format, Is.InstanceOf<LinesFormat>());
        Assert.That(formats.WriterFor(Path.Combine(_folder, "new.har")), Is.Null);
        Assert.That(formats.Names, Is.EqualTo(new[] { "lines" }));
    }

    [Test]
    public void A_format_that_throws_is_named_with_its_addon_in_one_sentence_after_the_flows_before()
    {
        var formats = new FlowFileFormats();
        formats.For("lines").AddFormat(new LinesFormat());
        var broken = Write("broken.lines", "LINES\nhttps://example.com/a\nBOOM\n");

        var read = new List<Flow>();
        var error = Assert.Throws<FormatException>(() =>
        {
            foreach (var flow in formats.Read(broken))
            {
                read.Add(flow);
            }
        });

        Assert.That(read, Has.Count.EqualTo(1), "the flows before the damage are usable");
        Assert.That(error!.Message, Is.EqualTo($"Flow file {broken}: the lines format of addon 'lines' failed reading it: line 3 went off."));
    }

    [Test]
    public void Two_formats_of_one_name_are_refused_and_an_unloaded_addons_format_goes()
    {
        var formats = new FlowFileFormats();
        formats.For("lines").AddFormat(new LinesFormat());

        var error = Assert.Throws<ArgumentException>(() => formats.For("other").AddFormat(new LinesFormat()));
        Assert.That(error!.Message, Does.StartWith("Addon 'lines' already added a flow file format named 'lines'."));

        formats.RemoveOwner("lines");
        Assert.That(formats.Names, Is.Empty);
        var file = Write("a.lines", "LINES\nhttps://example.com/a\n");
        Assert.That(() => formats.Read(file).ToList(), Throws.TypeOf<FormatException>(), "without the format the built-in readers refuse it");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A toy format: "LINES" then one URL per line; a line "BOOM" throws as a buggy addon would.</summary>
    private sealed class LinesFormat : IFlowFileFormat
    {
        public string Name => "lines";

        public bool Recognizes(ReadOnlySpan<byte> head, string path) => head.StartsWith("LINES\n"u8);

        public bool Writes(string path) => path.EndsWith(".lines", StringComparison.Ordinal);

        public IEnumerable<Flow> Read(string path, Action<string>? skipped = null)
        {
            var number = 1;
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                number++;
                if (line == "BOOM")
                {
                    throw new InvalidOperationException($"line {number} went off.");
                }

                yield return FlowLifecycle.NewFlow(line);
            }
        }

        public IFlowFileWriter CreateWriter(string path) => throw new NotSupportedException();
    }
}
