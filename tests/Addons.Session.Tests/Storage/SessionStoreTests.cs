using Addons.Abstractions.Flows;
using Addons.Host.Filters;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Tests.Storage;

public sealed class SessionStoreTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void Flows_written_in_batches_come_back_in_insertion_order_with_every_property_after_reopening()
    {
        var path = _temp.File("s.session");
        var flows = new List<HttpFlow> { SampleFlows.Full(), SampleFlows.Simple(1, responseBytes: 10_000), SampleFlows.Simple(2) };
        flows[0].Request.Content = new byte[5000]; // above the body threshold: stored apart
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows.Take(2).ToList());
            store.WriteBatch(flows.Skip(2).ToList());
        }

        using var reopened = SessionStore.Open(path);
        var restored = reopened.ReadAll().ToList();

        Assert.That(restored.Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
        for (var i = 0; i < flows.Count; i++)
        {
            ModelAssert.AllPropertiesEqual(flows[i], restored[i], $"flow {i}");
        }

        Assert.That(reopened.Stats().BodiesApart, Is.EqualTo(2));
    }

    [Test]
    public void Writing_a_stored_flow_again_replaces_it_in_place_and_replaces_its_bodies()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var first = SampleFlows.Simple(1, responseBytes: 10_000);
        var second = SampleFlows.Simple(2);
        store.WriteBatch([first, second]);

        first.Comment = "edited";
        first.Response!.Content = [1, 2, 3];
        store.WriteBatch([first]);

        var restored = store.ReadAll().ToList();
        Assert.That(restored.Select(f => f.Id), Is.EqualTo(new[] { first.Id, second.Id }), "same place, no duplicate");
        Assert.That(restored[0].Comment, Is.EqualTo("edited"));
        Assert.That(((HttpFlow)restored[0]).Response!.Content, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(store.Stats().BodiesApart, Is.Zero, "the old body stored apart is gone");
        Assert.That(store.LoadBody(first.Id, BodySide.Response), Is.Null);
    }

    [Test]
    public void A_flow_twice_in_one_batch_is_stored_once_with_its_last_state()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var flow = SampleFlows.Simple(1);
        var later = flow.Copy();
        later.Id = flow.Id;
        later.Marked = ":x:";

        store.WriteBatch([flow, later]);

        var restored = store.ReadAll().Single();
        Assert.That(restored.Marked, Is.EqualTo(":x:"));
    }

    [Test]
    public void An_encoded_batch_across_a_segment_end_with_a_flow_twice_keeps_its_last_state_in_record_and_columns()
    {
        // The writer's batches go records first, then column rows: the second state must win in both tables, and a
        // segment that fills mid-batch must be indexed and followed by the next.
        using var store = SessionStore.Open(_temp.File("s.session"), new SessionStoreOptions { SegmentRows = 4 });
        var flows = Enumerable.Range(0, 5).Select(i => SampleFlows.Simple(i, responseBytes: i == 1 ? 10_000 : 10)).ToList();
        var later = flows[1].Copy();
        later.Id = flows[1].Id;
        later.Marked = ":x:";
        later.Response!.Content = new byte[20_000];
        var codec = new FlowCodec(store.Options.BodyThreshold);
        var batch = flows.Take(3).Append(later).Concat(flows.Skip(3)).Select(flow =>
        {
            var encoded = new EncodedFlow();
            encoded.Capture(flow, codec, copyBodies: true);
            return encoded;
        }).ToList();

        store.WriteBatch(batch);

        flows[1] = later;
        Assert.Multiple(() =>
        {
            Assert.That(store.ReadAll().Select(f => (f.Id, f.Marked)), Is.EqualTo(flows.Select(f => (f.Id, f.Marked))));
            Assert.That(store.ReadSummaries(), Is.EqualTo(flows.Select(FlowSummary.Of)));
            Assert.That(((HttpFlow)store.ReadFlow(later.Id)!).Response!.Content, Has.Length.EqualTo(20_000), "the body stored apart is the later one");
            Assert.That(store.Match(FlowFilter.Parse("~marked"), flows.Select(f => f.Id).ToList()), Is.EqualTo(new[] { later.Id }));
            Assert.That(store.IntegrityCheck(), Is.Empty);
        });
    }

    [Test]
    public void Upserts_after_reopening_find_the_stored_flows_and_new_flows_go_after_them()
    {
        var path = _temp.File("s.session");
        var first = SampleFlows.Simple(1);
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch([first, SampleFlows.Simple(2)]);
        }

        using var reopened = SessionStore.Open(path);
        first.Comment = "after reopening";
        var third = SampleFlows.Simple(3);
        reopened.WriteBatch([third, first]);

        var restored = reopened.ReadAll().ToList();
        Assert.That(restored, Has.Count.EqualTo(3));
        Assert.That(restored[0].Comment, Is.EqualTo("after reopening"));
        Assert.That(restored[2].Id, Is.EqualTo(third.Id));
    }

    [Test]
    public void Summaries_are_read_from_the_columns_as_the_flows_describe_themselves()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var withResponse = SampleFlows.Simple(1, responseBytes: 10_000, method: "POST", host: "a.example");
        withResponse.Marked = ":star:";
        var withoutResponse = SampleFlows.Simple(2, host: "b.example");
        withoutResponse.Response = null;
        withoutResponse.Request.Content = null;
        withoutResponse.Error = new FlowError("connection reset", DateTimeOffset.UnixEpoch);
        var reverse = SampleFlows.Simple(3, host: "10.0.0.5");
        reverse.Request.Headers.Set("Host", "shop.example:8080");
        var flows = new[] { withResponse, withoutResponse, reverse, SampleFlows.Full() };
        store.WriteBatch(flows);

        var summaries = store.ReadSummaries().ToList();

        Assert.That(summaries, Is.EqualTo(flows.Select(FlowSummary.Of)));
        Assert.That(summaries[2].PrettyUrl, Does.StartWith("http://shop.example:8080/"));
        Assert.That(store.ReadSummaries(limit: 2).Select(s => s.Id), Is.EqualTo(flows.Take(2).Select(f => f.Id)));
        Assert.That(store.ReadAll(skip: 3).Select(f => f.Id), Is.EqualTo(new[] { flows[3].Id }));
        Assert.That(store.ReadAll(skip: 0).Count(), Is.EqualTo(4));
    }

    [Test]
    public void A_filter_is_decided_from_the_columns_where_it_can_and_on_the_decoded_flow_elsewhere()
    {
        using var store = SessionStore.Open(_temp.File("s.session"), new SessionStoreOptions { BodyThreshold = 100 });
        var random = new Random(3);
        var flows = Enumerable.Range(0, 300).Select(i =>
        {
            var flow = SampleFlows.Simple(i, responseBytes: random.Next(0, 300), method: random.Next(2) == 0 ? "GET" : "POST", host: $"h{random.Next(3)}.example");
            flow.Response!.StatusCode = random.Next(3) == 0 ? 404 : 200;
            if (random.Next(4) == 0)
            {
                flow.Request.Headers.Add("X-Debug", "1");
            }

            if (random.Next(5) == 0)
            {
                // Past the threshold: the secret is in the body table.
                flow.Response.Content = [.. new byte[150], .. "secret"u8.ToArray()];
            }

            return flow;
        }).ToList();
        store.WriteBatch(flows);
        var asked = flows.Where((_, i) => i % 2 == 0).Select(f => f.Id).ToList();

        foreach (var expression in new[] { "~m POST & ~u /item", "~c 404 | ~h x-debug", "~b secret", "~d h1 & !~c 404", "~all" })
        {
            var filter = FlowFilter.Parse(expression);
            var expected = flows.Where((f, i) => i % 2 == 0 && filter.Matches(f)).Select(f => f.Id);
            Assert.That(store.Match(filter, asked), Is.EquivalentTo(expected), expression);
        }

        Assert.That(store.Match(FlowFilter.All, [Guid.NewGuid()]), Is.Empty, "an id not stored");
    }

    [Test]
    public void A_reader_matches_many_flows_in_one_pass_and_a_few_by_key_including_flows_written_after_it_opened()
    {
        var path = _temp.File("s.session");
        using var writer = SessionStore.Open(path);
        var flows = Enumerable.Range(0, 3000).Select(i =>
        {
            var flow = SampleFlows.Simple(i);
            flow.Comment = i % 7 == 0 ? "look" : "";
            return flow;
        }).ToList();
        writer.WriteBatch(flows[..2000]);
        using var reader = SessionStore.Open(path, readOnly: true);
        var filter = FlowFilter.Parse("~comment look");

        // Every flow: one pass, more undecided flows than one decoding chunk.
        Assert.That(reader.Match(filter, flows[..2000].Select(f => f.Id).ToList()), Is.EquivalentTo(flows[..2000].Where(filter.Matches).Select(f => f.Id)));

        // Written after the reader mapped the ids; a few, read by key.
        writer.WriteBatch(flows[2000..]);
        var few = flows[2990..].Select(f => f.Id).ToList();
        Assert.That(reader.Match(filter, few), Is.EquivalentTo(flows[2990..].Where(filter.Matches).Select(f => f.Id)));
    }

    [Test]
    public void A_restore_reads_many_flows_in_order_and_stops_at_a_damaged_record_naming_its_row()
    {
        var path = _temp.File("s.session");
        var flows = Enumerable.Range(0, 2500).Select(i => SampleFlows.Simple(i)).ToList();
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
            Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)), "in order across the decoding chunks");
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE record SET record = x'ffffffff' WHERE seq = 1500";
            damage.ExecuteNonQuery();
        }

        using var reader = SessionStore.Open(path, readOnly: true);
        var read = new List<Flow>();
        var error = Assert.Throws<SessionStoreException>(() =>
        {
            foreach (var flow in reader.ReadAll())
            {
                read.Add(flow);
            }
        });
        Assert.That(error!.Message, Does.Contain(path).And.Contain("row 1500"));
        Assert.That(read.Select(f => f.Id), Is.EqualTo(flows.Take(read.Count).Select(f => f.Id)), "what came before the damage is usable");
        Assert.That(read, Has.Count.GreaterThanOrEqualTo(1024));
    }

    [Test]
    public void Text_columns_hold_utf8_text_with_an_empty_marker_empty_and_no_pretty_url_null()
    {
        var path = _temp.File("s.session");
        var plain = SampleFlows.Simple(1, host: "bücher.example");
        plain.Request.Path = "/ü/€/😀";
        var marked = SampleFlows.Simple(2);
        marked.Marked = ":grapes:";
        marked.Request.Headers = new HttpHeaders(("Host", "другой.example"));
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch([plain, marked]);
            Assert.That(store.ReadSummaries(), Is.EqualTo(new[] { plain, marked }.Select(FlowSummary.Of)));
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT host, url, marker, typeof(marker), pretty_url IS NULL, pretty_host FROM flow ORDER BY seq";
        using var reader = command.ExecuteReader();
        Assert.That(reader.Read(), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetString(0), Is.EqualTo("bücher.example"));
            Assert.That(reader.GetString(1), Is.EqualTo("http://bücher.example/ü/€/😀"));
            Assert.That((reader.GetString(2), reader.GetString(3)), Is.EqualTo(("", "text")), "unmarked is empty text, not NULL");
            Assert.That(reader.GetBoolean(4), Is.True, "no pretty URL apart from the URL");
        });
        Assert.That(reader.Read(), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.GetString(2), Is.EqualTo(":grapes:"));
            Assert.That(reader.GetString(5), Is.EqualTo("другой.example"));
        });
        Assert.That(Scalar(connection, "SELECT count(*) FROM flow WHERE host = 'bücher.example'"), Is.EqualTo(1), "SQL compares the text as stored");
    }

    [Test]
    public void Columns_fill_segments_that_are_indexed_when_full_and_every_read_spans_them()
    {
        var path = _temp.File("s.session");
        var flows = Enumerable.Range(0, 350).Select(i => SampleFlows.Simple(i, method: i % 3 == 0 ? "POST" : "GET", host: $"h{i % 4}.example")).ToList();
        using (var store = SessionStore.Open(path, new SessionStoreOptions { SegmentRows = 100 }))
        {
            foreach (var batch in flows.Chunk(117))
            {
                store.WriteBatch(batch);
            }

            // Changed and written again, in the first segment; one removed from the second.
            flows[5].Marked = ":star:";
            store.WriteBatch([flows[5]]);
            store.Delete([flows[150].Id]);
        }

        flows.RemoveAt(150);
        using (var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            Assert.Multiple(() =>
            {
                Assert.That(Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'flow_0%'"), Is.EqualTo(4));
                Assert.That(Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('flow_00000', 'flow_00001', 'flow_00002')"), Is.EqualTo(18), "six indexes per full segment");
                Assert.That(Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'flow_00003'"), Is.Zero, "the segment being filled has none");
                Assert.That(Scalar(connection, "SELECT count(*) FROM flow WHERE method = 'POST' AND status = 200"), Is.EqualTo(flows.Count(f => f.Request.Method == "POST")), "the flow view joins them for SQL");
            });
        }

        using var reopened = SessionStore.Open(path);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
            Assert.That(reopened.ReadSummaries(), Is.EqualTo(flows.Select(FlowSummary.Of)));
            Assert.That(reopened.ReadSummaries(limit: 120).Select(x => x.Id), Is.EqualTo(flows.Take(120).Select(f => f.Id)));
            Assert.That(reopened.ReadFlow(flows[300].Id)!.Id, Is.EqualTo(flows[300].Id), "found by id after a reopen");
            var filter = FlowFilter.Parse("~m POST & ~h host | ~marked");
            Assert.That(reopened.Match(filter, flows.Select(f => f.Id).ToList()), Is.EquivalentTo(flows.Where(filter.Matches).Select(f => f.Id)));
            Assert.That(reopened.Match(filter, flows.Skip(200).Take(5).Select(f => f.Id).ToList()), Is.EquivalentTo(flows.Skip(200).Take(5).Where(filter.Matches).Select(f => f.Id)));
            Assert.That(reopened.IntegrityCheck(), Is.Empty);
        });

        // More flows continue the last segment, then begin the next.
        var more = Enumerable.Range(400, 60).Select(i => SampleFlows.Simple(i)).ToList();
        reopened.WriteBatch(more);
        Assert.That(reopened.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Concat(more).Select(f => f.Id)));

        reopened.Clear();
        Assert.That(reopened.Count(), Is.Zero);
        reopened.WriteBatch(more);
        Assert.That(reopened.ReadSummaries().Select(x => x.Id), Is.EqualTo(more.Select(f => f.Id)), "a cleared session starts again at the first segment");
    }

    [Test]
    public void A_damaged_record_met_while_matching_is_an_error_naming_the_file_and_row()
    {
        var path = _temp.File("s.session");
        var flows = Enumerable.Range(0, 20).Select(i => SampleFlows.Simple(i)).ToList();
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var damage = connection.CreateCommand();
            damage.CommandText = "UPDATE record SET record = x'ffffffff' WHERE seq = 5";
            damage.ExecuteNonQuery();
        }

        using var reader = SessionStore.Open(path, readOnly: true);
        var error = Assert.Throws<SessionStoreException>(() => reader.Match(FlowFilter.Parse("~h x"), flows.Select(f => f.Id).ToList()));
        Assert.That(error!.Message, Does.Contain(path).And.Contain("row 5"));
    }

    [Test]
    public void A_version_1_file_gets_the_summary_columns_from_its_records()
    {
        var path = _temp.File("v1.session");
        var marked = SampleFlows.Simple(1);
        marked.Marked = ":default:";
        var failed = SampleFlows.Simple(2);
        failed.Error = new FlowError("timeout", DateTimeOffset.UnixEpoch);
        failed.Request.Headers.Set("Host", "named.example");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var statement in SessionSchema.Migrations[0].Statements)
            {
                Execute(connection, transaction, statement);
            }

            Execute(connection, transaction, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)");
            Execute(connection, transaction, "INSERT INTO schema_version VALUES (1, '2026-11-01', 'v1')");
            var codec = new FlowCodec(SessionStoreOptions.DefaultBodyThreshold);
            var seq = 1;
            foreach (var flow in new[] { marked, failed })
            {
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                codec.Encode(flow, buffer);
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO flow (seq, id, timestamp, method, host, url, status, request_size, response_size, bodies_apart, record) VALUES ($seq, $id, 0, $method, $host, $url, 200, 0, 0, 0, $record)";
                insert.Parameters.AddWithValue("$seq", seq++);
                insert.Parameters.AddWithValue("$id", flow.Id.ToByteArray(bigEndian: true));
                insert.Parameters.AddWithValue("$method", flow.Request.Method);
                insert.Parameters.AddWithValue("$host", flow.Request.Host);
                insert.Parameters.AddWithValue("$url", flow.Request.Url);
                insert.Parameters.AddWithValue("$record", buffer.WrittenSpan.ToArray());
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        using var store = SessionStore.Open(path);
        var summaries = store.ReadSummaries().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(summaries[0].Marked, Is.EqualTo(":default:"));
            Assert.That(summaries[1].HasError, Is.True);
            Assert.That(summaries[1].PrettyHost, Is.EqualTo("named.example"));
            Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(new[] { marked.Id, failed.Id }), "the records are untouched");
        });
    }

    [Test]
    public void Bodies_stored_apart_load_on_demand()
    {
        using var store = SessionStore.Open(_temp.File("s.session"), new SessionStoreOptions { BodyThreshold = 100 });
        var flow = SampleFlows.Simple(1, responseBytes: 500);
        flow.Request.Content = new byte[50];
        store.WriteBatch([flow]);

        var light = (HttpFlow)store.ReadFlow(flow.Id, includeBodies: false)!;

        Assert.That(light.Response!.Content, Is.Null, "left out until asked for");
        Assert.That(light.Request.Content, Has.Length.EqualTo(50), "small bodies stay in the record");
        Assert.That(store.LoadBody(flow.Id, BodySide.Response), Is.EqualTo(flow.Response!.Content));
        Assert.That(store.LoadBody(flow.Id, BodySide.Request), Is.Null, "not stored apart");
        Assert.That(((HttpFlow)store.ReadFlow(flow.Id)!).Response!.Content, Is.EqualTo(flow.Response.Content));
        Assert.That(store.ReadFlow(Guid.NewGuid()), Is.Null);
    }

    [Test]
    public void Delete_removes_the_flows_their_bodies_and_settings()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var gone = SampleFlows.Simple(1, responseBytes: 10_000);
        var kept = SampleFlows.Simple(2);
        store.WriteBatch([gone, kept]);
        store.SetSetting(gone.Id, "key", "value");

        var removed = store.Delete([gone.Id, Guid.NewGuid()]);

        Assert.That(removed, Is.EqualTo(1));
        Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(new[] { kept.Id }));
        Assert.That(store.ReadFlow(gone.Id), Is.Null);
        Assert.That(store.GetSetting(gone.Id, "key"), Is.Null);
        Assert.That(store.Stats(), Is.EqualTo(store.Stats() with { Flows = 1, BodiesApart = 0 }));
    }

    [Test]
    public void Clear_removes_everything_and_the_store_goes_on()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var flow = SampleFlows.Simple(1, responseBytes: 10_000);
        store.WriteBatch([flow, SampleFlows.Simple(2)]);
        store.SetSetting(flow.Id, "key", "value");

        store.Clear();

        Assert.That(store.ReadAll(), Is.Empty);
        Assert.That(store.ReadSettings(), Is.Empty);
        Assert.That(store.Stats().Flows, Is.Zero);
        Assert.That(store.ReadFlow(flow.Id), Is.Null);
        store.WriteBatch([flow]);
        Assert.That(store.ReadAll().Single().Id, Is.EqualTo(flow.Id));
    }

    [Test]
    public void Settings_are_kept_per_flow_replaced_removed_and_persisted()
    {
        var path = _temp.File("s.session");
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        using (var store = SessionStore.Open(path))
        {
            store.SetSetting(a, "view.color", "red");
            store.SetSetting(a, "view.color", "blue");
            store.SetSetting(a, "note", "x");
            store.SetSetting(b, "note", "y");
            store.SetSetting(b, "note", null);
        }

        using var reopened = SessionStore.Open(path, readOnly: true);
        Assert.That(reopened.GetSetting(a, "view.color"), Is.EqualTo("blue"));
        Assert.That(reopened.GetSetting(b, "note"), Is.Null);
        Assert.That(reopened.ReadSettings(), Is.EquivalentTo(new[] { new FlowSetting(a, "note", "x"), new FlowSetting(a, "view.color", "blue") }));
    }

    [Test]
    public void Stats_count_flows_and_bytes()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var empty = store.Stats();
        store.WriteBatch([.. Enumerable.Range(0, 50).Select(i => SampleFlows.Simple(i, responseBytes: 2000))]);

        var stats = store.Stats();

        Assert.That(empty.Flows, Is.Zero);
        Assert.That(stats.Flows, Is.EqualTo(50));
        Assert.That(stats.TotalBytes, Is.GreaterThan(empty.TotalBytes + (50 * 2000)));
    }

    [Test]
    public void A_saved_copy_opens_with_the_same_flows_and_an_existing_file_is_not_overwritten()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var flows = Enumerable.Range(0, 5).Select(i => SampleFlows.Simple(i, responseBytes: 10_000)).ToList();
        store.WriteBatch([.. flows]);
        store.SetSetting(flows[0].Id, "k", "v");

        store.SaveCopy(_temp.File("copy.session"));

        using (var copy = SessionStore.Open(_temp.File("copy.session"), readOnly: true))
        {
            Assert.That(copy.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
            Assert.That(copy.GetSetting(flows[0].Id, "k"), Is.EqualTo("v"));
            Assert.That(copy.IntegrityCheck(), Is.Empty);
        }

        File.WriteAllText(_temp.File("taken"), "keep me");
        var error = Assert.Throws<SessionStoreException>(() => store.SaveCopy(_temp.File("taken")));
        Assert.That(error!.Message, Does.Contain("already exists"));
        Assert.That(File.ReadAllText(_temp.File("taken")), Is.EqualTo("keep me"));
    }

    [Test]
    public void Empty_method_and_host_are_stored_as_empty_strings_not_as_missing()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var flow = SampleFlows.Simple(1, responseBytes: 0, method: "", host: "");

        store.WriteBatch([flow]);

        var summary = store.ReadSummaries().Single();
        Assert.That((summary.Method, summary.Host, summary.Marked, summary.Size), Is.EqualTo(("", "", "", 0L)));
        Assert.That(((HttpFlow)store.ReadAll().Single()).Response!.Content, Is.Empty);
    }

    [Test]
    public void A_sound_session_passes_the_integrity_check()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        store.WriteBatch([SampleFlows.Full(), SampleFlows.Simple(1)]);

        Assert.That(store.IntegrityCheck(), Is.Empty);
    }

    [Test]
    public void A_batch_with_a_flow_type_the_schema_does_not_store_is_refused_whole()
    {
        using var store = SessionStore.Open(_temp.File("s.session"));
        var other = new OtherFlow();

        var error = Assert.Throws<ArgumentException>(() => store.WriteBatch([SampleFlows.Simple(1), other]));

        Assert.That(error!.Message, Does.Contain(other.Id.ToString()).And.Contain("no flow of the batch was written"));
        Assert.That(store.ReadAll(), Is.Empty);
    }

    [Test]
    public void A_new_session_uses_WAL_and_records_its_schema_version()
    {
        var path = _temp.File("s.session");
        using (SessionStore.Open(path))
        {
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT max(version) FROM schema_version), (SELECT journal_mode FROM pragma_journal_mode()), (SELECT page_size FROM pragma_page_size())";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.That(reader.GetInt64(0), Is.EqualTo(SessionSchema.Version));
        Assert.That(reader.GetString(1), Is.EqualTo("wal"));
        Assert.That(reader.GetInt64(2), Is.EqualTo(SessionStoreOptions.DefaultPageSize));
    }

    private sealed class OtherFlow : Flow
    {
        public override FlowType Type => FlowType.Dns;

        public override Flow Copy() => new OtherFlow();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
