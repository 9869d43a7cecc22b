using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Testing;
using Addons.Host.Interop;
using static Addons.View.Tests.ViewHarness;

namespace Addons.View.Tests;

/// <summary>The behaviours of mitmproxy's View (shared/reference/view-behaviours.md), one test per number.</summary>
public sealed class ViewBehaviourTests
{
    private ViewHarness _h = null!;

    [SetUp]
    public async Task CreateAsync() => _h = await ViewHarness.CreateAsync();

    [TearDown]
    public async Task DisposeAsync() => await _h.DisposeAsync();

    private FlowView V => _h.Model;

    [Test]
    public void B01_SortKeysOfAnHttpFlow()
    {
        var flow = WithResponse(T(created: 946681200));

        Assert.Multiple(() =>
        {
            Assert.That(OrderKey.Time.NumberOf(flow), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(946681200).UtcTicks));
            Assert.That(OrderKey.Method.TextOf(flow), Is.EqualTo("GET"));
            Assert.That(OrderKey.Url.TextOf(flow), Is.EqualTo("http://address:22/path"));
            Assert.That(OrderKey.Size.NumberOf(flow), Is.EqualTo(14));
            Assert.That(OrderKey.Size.NumberOf(T()), Is.EqualTo(7), "a missing body counts as 0");
        });
    }

    [Test]
    public void B02_SortKeysOfADnsFlow()
    {
        var flow = TestFlows.Dns().WithResponse();
        var request = TestFlows.Dns();

        Assert.Multiple(() =>
        {
            Assert.That(OrderKey.Time.NumberOf(flow), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(946681200).UtcTicks));
            Assert.That(OrderKey.Method.TextOf(flow), Is.EqualTo("QUERY"));
            Assert.That(OrderKey.Url.TextOf(flow), Is.EqualTo("dns.google"));
            Assert.That(OrderKey.Size.NumberOf(flow), Is.EqualTo(8));
            Assert.That(OrderKey.Size.NumberOf(request), Is.Zero, "no response, no record data");

            // A cold flow's summary gives the same keys.
            var summary = FlowSummary.Of(flow);
            Assert.That((OrderKey.Method.TextOf(summary), OrderKey.Url.TextOf(summary), OrderKey.Size.NumberOf(summary)), Is.EqualTo(("QUERY", "dns.google", 8L)));
        });
    }

    [Test]
    public void B03_SortKeysOfTcpAndUdpFlows()
    {
        var tcp = TestFlows.Tcp("address:22");
        var udp = TestFlows.Udp("address:22");

        Assert.Multiple(() =>
        {
            Assert.That(OrderKey.Time.NumberOf(tcp), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(946681200).UtcTicks));
            Assert.That((OrderKey.Method.TextOf(tcp), OrderKey.Url.TextOf(tcp), OrderKey.Size.NumberOf(tcp)), Is.EqualTo(("TCP", "address:22", 12L)));
            Assert.That((OrderKey.Method.TextOf(udp), OrderKey.Url.TextOf(udp), OrderKey.Size.NumberOf(udp)), Is.EqualTo(("UDP", "address:22", 12L)));
            var summary = FlowSummary.Of(tcp);
            Assert.That((OrderKey.Method.TextOf(summary), OrderKey.Url.TextOf(summary), OrderKey.Size.NumberOf(summary)), Is.EqualTo(("TCP", "address:22", 12L)));
        });
    }

    [Test]
    public void B04_AnUpdateThatChangesACachedKeySendsRefresh()
    {
        var flow = WithResponse(T(created: 946681200));
        _h.View.Add(flow);
        Assert.That(_h.TakeSignals(), Has.No.Member("refresh"));

        flow.TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(10);
        Assert.That(_h.TakeSignals(), Has.No.Member("refresh"));

        _h.View.Update(flow);
        Assert.That(_h.TakeSignals(), Has.Member("refresh"));
    }

    [Test]
    public void B05_AddAndLookUp()
    {
        Assert.That(V.StoreCount, Is.Zero);
        var flow = T(created: 1);

        _h.View.Add(flow);

        Assert.That(V.Flows, Is.EqualTo(new[] { flow }));
        Assert.That(V.Get(flow.Id), Is.SameAs(flow));
        Assert.That(V.Get(Guid.NewGuid()), Is.Null);
    }

    [Test]
    public async Task B06_LaterEventsOnlyUpdate()
    {
        var flow = T(created: 1);
        _h.View.Add(flow);

        flow.Error = new FlowError("boom", DateTimeOffset.UtcNow);
        await _h.View.ErrorAsync(new Abstractions.Hooks.HttpFlowContext(flow, default));
        await _h.View.ResponseAsync(new Abstractions.Hooks.HttpFlowContext(WithResponse(flow), default));
        flow.Intercept();
        _h.View.Update(flow);
        flow.Resume();
        _h.View.Update(flow);
        flow.Kill();
        _h.View.Update(flow);

        Assert.That(V.Flows, Is.EqualTo(new[] { flow }));
    }

    [Test]
    public void B07_AKnownIdIsNotAddedTwice()
    {
        var flow = T(created: 1);
        _h.View.Add(flow);

        _h.View.Add(flow);

        Assert.That(V.Flows, Is.EqualTo(new[] { flow }));
        Assert.That(V.StoreCount, Is.EqualTo(1));
    }

    [Test]
    public void B08_FlowsAreSortedByCreationNotInsertion()
    {
        var (f, f2, f3) = (T(created: 1), T(created: 3), T(created: 2));
        _h.View.Add(f);
        _h.View.Add(f2);
        _h.View.Add(f2);
        Assert.That(V.Flows, Is.EqualTo(new[] { f, f2 }));
        Assert.That(V.StoreCount, Is.EqualTo(2));

        _h.View.Add(f3);
        _h.View.Add(f3);

        Assert.That(V.Flows, Is.EqualTo(new[] { f, f3, f2 }));
        Assert.That(V.StoreCount, Is.EqualTo(3));
    }

    [Test]
    public void B09_InBounds()
    {
        _h.View.Add(T(created: 1), T(created: 2));

        Assert.That((V.InBounds(0), V.InBounds(-1), V.InBounds(100)), Is.EqualTo((true, false, false)));
    }

    [Test]
    public async Task B10_ClearUnmarkedThenClear()
    {
        var (f, f2, f3) = (T(created: 1), T(created: 3), T(created: 2));
        _h.View.Add(f, f2, f3);
        f.Marked = ":default:";
        f2.Marked = ":default:";

        await _h.RunAsync("view.clear_unmarked");
        Assert.That(V.Flows, Is.EqualTo(new[] { f, f2 }));
        Assert.That((V.Count, V.StoreCount), Is.EqualTo((2, 2)));

        await _h.RunAsync("view.clear");
        Assert.That((V.Count, V.StoreCount), Is.EqualTo((0, 0)));
    }

    [Test]
    public async Task B11_TcpEventsAddThenUpdate()
    {
        var flow = TestFlows.Tcp("address:22");
        var context = new TcpFlowContext(flow, default);

        await _h.View.TcpStartAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));

        await _h.View.TcpStartAsync(context);
        await _h.View.TcpMessageAsync(context);
        flow.Error = new FlowError("reset", DateTimeOffset.UtcNow);
        await _h.View.TcpErrorAsync(context);
        await _h.View.TcpEndAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));
        Assert.That(V.StoreCount, Is.EqualTo(1));
    }

    [Test]
    public async Task B12_UdpEventsAddThenUpdate()
    {
        var flow = TestFlows.Udp("address:22");
        var context = new UdpFlowContext(flow, default);

        await _h.View.UdpStartAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));

        await _h.View.UdpStartAsync(context);
        await _h.View.UdpMessageAsync(context);
        flow.Error = new FlowError("unreachable", DateTimeOffset.UtcNow);
        await _h.View.UdpErrorAsync(context);
        await _h.View.UdpEndAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));
        Assert.That(V.StoreCount, Is.EqualTo(1));
    }

    [Test]
    public async Task B13_DnsEventsAddThenUpdate()
    {
        var flow = TestFlows.Dns().WithResponse();
        flow.Error = new FlowError("late", DateTimeOffset.UtcNow);
        var context = new DnsFlowContext(flow, default);

        await _h.View.DnsRequestAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));

        await _h.View.DnsRequestAsync(context);
        await _h.View.DnsResponseAsync(context);
        await _h.View.DnsErrorAsync(context);
        Assert.That(V.Flows, Is.EqualTo(new Flow[] { flow }));
        Assert.That(V.StoreCount, Is.EqualTo(1));
    }

    [Test]
    public async Task B14_AFilterHidesButTheStoreKeeps()
    {
        _h.View.Add(T("get"), T("put"), T("get"), T("put"));
        Assert.That(V.Count, Is.EqualTo(4));

        await _h.RunAsync("view.filter.set", "~m get");
        Assert.That(_h.Methods(), Is.EqualTo(new[] { "GET", "GET" }));
        Assert.That(V.StoreCount, Is.EqualTo(4));

        await _h.RunAsync("view.filter.set", "");
        Assert.That(V.Count, Is.EqualTo(4));

        // Blank is no filter too, as for every filter option.
        await _h.RunAsync("view.filter.set", "~m get");
        await _h.RunAsync("view.filter.set", "  ");
        Assert.That(V.Count, Is.EqualTo(4));
    }

    [Test]
    public async Task B15_MarkedOnlyMode()
    {
        _h.View.Add(T("get"), T("put"), T("get"), T("put"));

        await _h.RunAsync("view.properties.marked.toggle");
        Assert.That(V.Count, Is.Zero);
        await _h.RunAsync("view.properties.marked.toggle");
        Assert.That(V.Count, Is.EqualTo(4));
    }

    [Test]
    public async Task B16_AnInvalidFilterFailsAndTheOldOneStays()
    {
        _h.View.Add(T("get"), T("put"), T("get"), T("put"));

        var ex = Assert.ThrowsAsync<CommandException>(() => _h.RunAsync("view.filter.set", "~notafilter regex"));

        Assert.That(ex!.Message, Does.Contain("Invalid filter expression"));
        Assert.That(V.Count, Is.EqualTo(4));
    }

    [Test]
    public async Task B17_MarkedOnlyShowsTheMarkedFlow()
    {
        _h.View.Add(T("get"), T("put"), T("get"), T("put"));
        await _h.CallAsync("flow.mark", new[] { V[1] }, ":default:");

        await _h.RunAsync("view.properties.marked.toggle");
        Assert.That(V.Count, Is.EqualTo(1));
        Assert.That(V[0].Marked, Is.Not.Empty);
        await _h.RunAsync("view.properties.marked.toggle");
        Assert.That(V.Count, Is.EqualTo(4));
    }

    [Test]
    public async Task B18_AnUpdateMovesAFlowInAndOutOfTheFilter()
    {
        await _h.RunAsync("view.filter.set", "~m get");
        var flow = T("get");
        _h.View.Add(flow);
        Assert.That(V.Contains(flow), Is.True);

        flow.Request.Method = "put";
        _h.View.Update(flow);
        Assert.That(V.Contains(flow), Is.False);
        Assert.That(V.Get(flow.Id), Is.SameAs(flow));

        flow.Request.Method = "get";
        _h.View.Update(flow);
        Assert.That(V.Contains(flow), Is.True);
        _h.View.Update(flow);
        Assert.That(V.Contains(flow), Is.True);
    }

    [Test]
    public async Task B19_Properties()
    {
        _h.View.Add(T());

        Assert.That(await _h.RunAsync("view.properties.length"), Is.EqualTo(1));
        Assert.That(await _h.RunAsync("view.properties.marked"), Is.EqualTo(false));
        await _h.RunAsync("view.properties.marked.toggle");
        Assert.That(await _h.RunAsync("view.properties.length"), Is.EqualTo(0));
        Assert.That(await _h.RunAsync("view.properties.marked"), Is.EqualTo(true));
    }

    [Test]
    public async Task B20_OrderByMethodAndReverse()
    {
        _h.View.Add(T("get", 1), T("put", 2), T("get", 3), T("put", 4));
        Assert.That(_h.CreatedTimes(), Is.EqualTo(new long[] { 1, 2, 3, 4 }));

        await _h.RunAsync("view.order.set", "method");
        Assert.That(await _h.RunAsync("view.order"), Is.EqualTo("method"));
        Assert.That(_h.Methods(), Is.EqualTo(new[] { "GET", "GET", "PUT", "PUT" }));

        await _h.RunAsync("view.order.reverse", "true");
        Assert.That(_h.Methods(), Is.EqualTo(new[] { "PUT", "PUT", "GET", "GET" }));
    }

    [Test]
    public async Task B21_ReverseStaysAcrossAChangeOfOrder()
    {
        _h.View.Add(T("get", 1), T("put", 2), T("get", 3), T("put", 4));
        await _h.RunAsync("view.order.set", "method");
        await _h.RunAsync("view.order.reverse", "true");

        await _h.RunAsync("view.order.set", "time");
        Assert.That(await _h.RunAsync("view.order"), Is.EqualTo("time"));
        Assert.That(_h.CreatedTimes(), Is.EqualTo(new long[] { 4, 3, 2, 1 }));

        await _h.RunAsync("view.order.reverse", "false");
        Assert.That(_h.CreatedTimes(), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void B22_AnUnknownOrderFails()
    {
        var ex = Assert.ThrowsAsync<CommandException>(() => _h.RunAsync("view.order.set", "not_an_order"));

        Assert.That(ex!.Message, Does.Contain("not_an_order"));
    }

    [Test]
    public async Task B23_OrderOptions() =>
        Assert.That(await _h.RunAsync("view.order.options"), Is.EqualTo(new[] { "method", "size", "time", "url" }));

    [Test]
    public async Task B24_ReversedIndexing()
    {
        _h.View.Add(T(created: 1), T(created: 2), T(created: 3));
        await _h.RunAsync("view.order.reverse", "true");

        Assert.That(V[0].TimestampCreated.ToUnixTimeSeconds(), Is.EqualTo(3));
        Assert.That(V[-1].TimestampCreated.ToUnixTimeSeconds(), Is.EqualTo(1));
        Assert.That(V[2].TimestampCreated.ToUnixTimeSeconds(), Is.EqualTo(1));
        Assert.That(() => V[5], Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => V[-5], Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task B25_InsertionPointAfterAFlowInDisplayOrder()
    {
        _h.View.Add(T(created: 1), T(created: 2), T(created: 3));
        await _h.RunAsync("view.order.reverse", "true");

        // Positions in the displayed (reversed) order, as mitmproxy's _bisect gives them.
        Assert.That(V.InsertionPoint(V[0]), Is.EqualTo(1));
        Assert.That(V.InsertionPoint(V[2]), Is.EqualTo(3));
    }

    [Test]
    public void B26_AddSignalsOnlyAdd()
    {
        Assert.That(_h.TakeSignals(), Is.Empty);

        _h.View.Add(T());

        Assert.That(_h.TakeSignals().Where(s => s != "focus"), Is.EqualTo(new[] { "add" }));
    }

    [Test]
    public async Task B27_AFilterChangeSignalsOnlyRefresh()
    {
        _h.View.Add(T());
        _h.TakeSignals();

        await _h.RunAsync("view.filter.set", "~m put");

        Assert.That(_h.TakeSignals().Where(s => s != "focus"), Is.EqualTo(new[] { "refresh" }));
    }

    [Test]
    public async Task B28_AnUpdateThatLeavesTheFilterSignalsOnlyRemove()
    {
        await _h.RunAsync("view.filter.set", "~m get");
        var flow = T("get");
        _h.View.Add(flow);
        _h.TakeSignals();

        flow.Request.Method = "PUT";
        _h.View.Update(flow);

        Assert.That(_h.TakeSignals().Where(s => s != "focus"), Is.EqualTo(new[] { "remove" }));
    }

    [Test]
    public async Task B29_AnUpdateInsideTheFilterSignalsOnlyUpdate()
    {
        var flow = T("put");
        await _h.RunAsync("view.filter.set", "~m put");
        _h.View.Add(flow);
        _h.TakeSignals();

        _h.View.Update(flow);

        Assert.That(_h.TakeSignals(), Is.EqualTo(new[] { "update" }));
    }

    [Test]
    public async Task B30_AnUpdateOfAHiddenFlowSignalsNothing()
    {
        var flow = T("put");
        _h.View.Add(flow);
        await _h.RunAsync("view.filter.set", "~m get");
        _h.TakeSignals();

        _h.View.Update(flow);

        Assert.That(_h.TakeSignals(), Is.Empty);
    }

    [Test]
    public void B31_AKeyChangeOfAVisibleFlowSendsRefresh()
    {
        var flow = T(created: 5);
        _h.View.Add(flow);
        _h.TakeSignals();

        flow.TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(1);
        _h.View.Update(flow);

        Assert.That(_h.TakeSignals(), Is.EqualTo(new[] { "refresh", "update" }));
    }

    [Test]
    public void B32_FocusStartsOnTheFirstFlow()
    {
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)null, (Flow?)null)));

        _h.View.Add(T(created: 1));

        Assert.That(V.FocusIndex, Is.Zero);
        Assert.That(V.FocusedFlow, Is.SameAs(V[0]));
    }

    [Test]
    public void B33_FocusOutsideTheViewIsAnError()
    {
        _h.View.Add(T(created: 1));

        Assert.That(() => V.Focus(T()), Throws.ArgumentException);
        Assert.That(() => V.FocusAt(99), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void B34_FocusFollowsTheFlowNotTheIndex()
    {
        var c1 = T(created: 1);
        _h.View.Add(c1);

        _h.View.Add(T(created: 0));
        Assert.That(V.FocusIndex, Is.EqualTo(1));
        Assert.That(V.FocusedFlow, Is.SameAs(c1));

        _h.View.Add(T(created: 2));
        Assert.That(V.FocusIndex, Is.EqualTo(1));

        V.FocusAt(0);
        Assert.That(V.FocusIndex, Is.Zero);
    }

    [Test]
    public async Task B35_RemovingTheFocusedFlow()
    {
        var (c0, c1, c2) = (T(created: 0), T(created: 1), T(created: 2));
        _h.View.Add(c0, c1, c2);
        V.Focus(c1);

        await _h.CallAsync("view.flows.remove", new[] { c1 });
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)1, (Flow?)c2)));

        await _h.CallAsync("view.flows.remove", new[] { c2 });
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)0, (Flow?)c0)));

        await _h.CallAsync("view.flows.remove", new[] { c0 });
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)null, (Flow?)null)));
    }

    [Test]
    public async Task B36_FocusGoesToTheNearestFlowWhenItsFlowIsFilteredOut()
    {
        var g3 = T("get", 3);
        _h.View.Add(T("get", 0), T("get", 1), T("put", 2), g3);
        V.FocusAt(2);

        await _h.RunAsync("view.filter.set", "~m get");
        Assert.That(V.FocusIndex, Is.EqualTo(2));
        Assert.That(V.FocusedFlow, Is.SameAs(g3));

        await _h.RunAsync("view.filter.set", "~m oink");
        Assert.That(V.FocusIndex, Is.Null);
    }

    [Test]
    public async Task B37_FocusMovement()
    {
        await _h.RunAsync("view.focus.go", "0");
        for (var i = 0; i < 5; i++)
        {
            _h.View.Add(T(created: 7));
        }

        Assert.That(V.FocusIndex, Is.Zero);
        var expected = new (string Command, string Argument, int Index)[]
        {
            ("view.focus.go", "-1", 4), ("view.focus.go", "0", 0), ("view.focus.go", "1", 1),
            ("view.focus.go", "999", 4), ("view.focus.go", "-999", 0),
        };
        foreach (var (command, argument, index) in expected)
        {
            await _h.RunAsync(command, argument);
            Assert.That(V.FocusIndex, Is.EqualTo(index), $"{command} {argument}");
        }

        await _h.RunAsync("view.focus.next");
        Assert.That(V.FocusIndex, Is.EqualTo(1));
        await _h.RunAsync("view.focus.prev");
        Assert.That(V.FocusIndex, Is.Zero);
    }

    [Test]
    public async Task B38_MovementOnAClearedView()
    {
        _h.View.Add(T(), T());
        await _h.RunAsync("view.clear");

        await _h.RunAsync("view.focus.next");
        Assert.That(V.FocusIndex, Is.Null);
        await _h.RunAsync("view.focus.prev");
        Assert.That(V.FocusIndex, Is.Null);
    }

    [Test]
    public async Task B39_FocusFollow()
    {
        await _h.SetAsync("focus_follow", "true");
        await _h.RunAsync("view.filter.set", "~m get");

        _h.View.Add(T("get", 5));
        Assert.That(V.FocusIndex, Is.Zero);
        var f4 = T("get", 4);
        _h.View.Add(f4);
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)0, (Flow?)f4)));
        var f7 = T("get", 7);
        _h.View.Add(f7);
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)2, (Flow?)f7)));
        var f6 = T("put", 6);
        _h.View.Add(f6);
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)2, (Flow?)f7)));

        f6.Request.Method = "GET";
        _h.View.Update(f6);
        Assert.That((V.FocusIndex, V.FocusedFlow), Is.EqualTo(((int?)2, (Flow?)f6)));
    }

    [Test]
    public async Task B40_DuplicatesAreCopiesAndTheFirstTakesTheFocus()
    {
        _h.View.Add(T(created: 1), T(created: 1));

        await _h.RunAsync("view.flows.duplicate", "@all");

        Assert.That(V.Count, Is.EqualTo(4));
        Assert.That(V.FocusIndex, Is.EqualTo(2));
        Assert.That(V.Flows.Select(f => f.Id).Distinct().Count(), Is.EqualTo(4));
    }

    [Test]
    public async Task B41_RemoveTakesFlowsOutOfViewAndStore()
    {
        _h.View.Add(T(), T());

        await _h.RunAsync("view.flows.remove", "@all");

        Assert.That((V.Count, V.StoreCount), Is.EqualTo((0, 0)));
    }

    [Test]
    public async Task B42_SettingsLiveAndDieWithTheFlow()
    {
        var flow = T();
        Assert.That(() => V.Settings(flow), Throws.InstanceOf<KeyNotFoundException>());

        _h.View.Add(flow);
        V.Settings(flow)["foo"] = "bar";
        Assert.That(V.Settings(flow)["foo"], Is.EqualTo("bar"));
        Assert.That(V.SettingsCount, Is.EqualTo(1));

        await _h.CallAsync("view.flows.remove", new[] { flow });
        Assert.That(() => V.Settings(flow), Throws.InstanceOf<KeyNotFoundException>());
        Assert.That(V.SettingsCount, Is.Zero);

        _h.View.Add(flow);
        V.Settings(flow)["foo"] = "bar";
        Assert.That(V.SettingsCount, Is.EqualTo(1));
        await _h.RunAsync("view.clear");
        Assert.That(V.SettingsCount, Is.Zero);
    }

    [Test]
    public async Task B43_GetAndSetValues()
    {
        var flow = T();
        _h.View.Add(flow);

        await _h.CallAsync("view.settings.setval", new[] { flow }, "key", "value");

        Assert.That(await _h.CallAsync("view.settings.getval", flow, "key", "default"), Is.EqualTo("value"));
        Assert.That(await _h.CallAsync("view.settings.getval", flow, "unknow", "default"), Is.EqualTo("default"));
    }

    [Test]
    public async Task B44_ToggleWritesTrueAndFalse()
    {
        var flow = T();
        _h.View.Add(flow);
        await _h.CallAsync("view.settings.setval", new[] { flow }, "key", "value");

        await _h.CallAsync("view.settings.setval.toggle", new[] { flow }, "key");
        Assert.That(await _h.CallAsync("view.settings.getval", flow, "key", "default"), Is.EqualTo("true"));
        await _h.CallAsync("view.settings.setval.toggle", new[] { flow }, "key");
        Assert.That(await _h.CallAsync("view.settings.getval", flow, "key", "default"), Is.EqualTo("false"));

        await _h.CallAsync("view.settings.setval", new[] { flow }, "custom_setting", "true");
        await _h.CallAsync("view.settings.setval.toggle", new[] { flow }, "custom_setting");
        Assert.That(await _h.CallAsync("view.settings.getval", flow, "custom_setting", "x"), Is.EqualTo("false"));
        await _h.CallAsync("view.settings.setval.toggle", new[] { flow }, "custom_setting");
        Assert.That(await _h.CallAsync("view.settings.getval", flow, "custom_setting", "x"), Is.EqualTo("true"));
    }

    [Test]
    public async Task B45_ResolvingOnAnEmptyView()
    {
        foreach (var spec in new[] { "@all", "@focus", "@shown", "@hidden", "@marked", "@unmarked", $"@{Guid.NewGuid()}", "~m get" })
        {
            Assert.That((IReadOnlyList<Flow>)(await _h.RunAsync("view.flows.resolve", spec))!, Is.Empty, spec);
        }
    }

    [Test]
    public async Task B46_ResolvingOneAndTwoFlows()
    {
        var get = T("get");
        _h.View.Add(get);
        foreach (var spec in new[] { "~m get", "@focus", "@all", "@shown", "@unmarked", $"@{get.Id}" })
        {
            Assert.That(await Count(spec), Is.EqualTo(1), spec);
        }

        Assert.That((await Count("@hidden"), await Count("@marked")), Is.EqualTo((0, 0)));

        _h.View.Add(T("put"));
        Assert.That((await Count($"@{get.Id}"), await Count("@focus"), await Count("@shown"), await Count("@all")), Is.EqualTo((1, 1, 2, 2)));
        Assert.That((await Count("@hidden"), await Count("@marked")), Is.EqualTo((0, 0)));
    }

    [Test]
    public async Task B47_ResolvingFollowsStoreOrderExceptShown()
    {
        _h.View.Add(T("get", 1), T("put", 2), T("get", 3), T("put", 4));
        await _h.RunAsync("view.filter.set", "~m get");
        V[0].Marked = ":default:";

        Assert.Multiple(async () =>
        {
            Assert.That(await Methods("~m get"), Is.EqualTo(new[] { "GET", "GET" }));
            Assert.That(await Methods("~m put"), Is.EqualTo(new[] { "PUT", "PUT" }));
            Assert.That(await Methods("@shown"), Is.EqualTo(new[] { "GET", "GET" }));
            Assert.That(await Methods("@hidden"), Is.EqualTo(new[] { "PUT", "PUT" }));
            Assert.That(await Methods("@marked"), Is.EqualTo(new[] { "GET" }));
            Assert.That(await Methods("@unmarked"), Is.EqualTo(new[] { "PUT", "GET", "PUT" }));
            Assert.That(await Methods("@all"), Is.EqualTo(new[] { "GET", "PUT", "GET", "PUT" }));
        });
        var ids = $"@{V.StoreFlows.ElementAt(1).Id},{V.StoreFlows.ElementAt(3).Id}";
        Assert.That(await Methods(ids), Is.EqualTo(new[] { "PUT", "PUT" }));
    }

    [Test]
    public void B48_AnInvalidSpecFails()
    {
        var ex = Assert.ThrowsAsync<CommandException>(() => _h.RunAsync("view.flows.resolve", "~"));

        Assert.That(ex!.Message, Does.Contain("Invalid filter expression"));
    }

    [Test]
    public async Task B49_CreatingFlows()
    {
        await _h.RunAsync("view.flows.create", "get", "http://foo.com");
        Assert.That(V.Count, Is.EqualTo(1));
        Assert.That(((HttpFlow)V[0]).Request.Url, Is.EqualTo("http://foo.com/"));
        await _h.RunAsync("view.flows.create", "get", "http://foo.com");
        Assert.That(V.Count, Is.EqualTo(2));

        foreach (var url in new[] { "http://foo.com\\", "http://" })
        {
            var ex = Assert.ThrowsAsync<CommandException>(() => _h.RunAsync("view.flows.create", "get", url));
            Assert.That(ex!.Message, Does.Contain("Invalid URL"), url);
        }
    }

    [Test]
    public async Task B50_LoadingFlowFiles()
    {
        var folder = Directory.CreateTempSubdirectory("view-load-").FullName;
        try
        {
            var file = Path.Combine(folder, "flows.mitm");
            var saved = new[] { T("get", 1), T("post", 2) };
            foreach (var flow in saved)
            {
                flow.Response = new HttpResponse { StatusCode = 200, Content = "ok"u8.ToArray() };
            }

            await using (var stream = File.Create(file))
            {
                MitmproxyFlowFile.Write(stream, saved);
            }

            await _h.RunAsync("view.flows.load", file);
            Assert.That(V.Count, Is.EqualTo(2));
            await _h.RunAsync("view.flows.load", file);
            Assert.That(V.Count, Is.EqualTo(4));
            Assert.That(V.Flows.Select(f => f.Id).Distinct().Count(), Is.EqualTo(4), "each loaded flow gets a new id");
            Assert.That(V.Flows.Select(f => f.Id), Has.None.AnyOf(saved.Select(f => f.Id).Cast<object>().ToArray()));

            var missing = Path.Combine(folder, "missing.mitm");
            await _h.RunAsync("view.flows.load", missing);
            var invalid = Path.Combine(folder, "invalid");
            await File.WriteAllTextAsync(invalid, "invalidflows");
            await _h.RunAsync("view.flows.load", invalid);

            Assert.That(V.Count, Is.EqualTo(4), "nothing raised, nothing added");
            Assert.That(_h.LogLines, Has.Some.StartsWith($"Flow file {missing} cannot be read: "));
            Assert.That(_h.LogLines, Has.Some.StartsWith($"Flow file {invalid} is not valid HAR after 0 entries: invalid JSON at byte"),
                "mitmproxy logs \"Invalid data format.\"; this names the file and where");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task B51_ConfigureAcceptsAndRejects()
    {
        await _h.SetAsync("view_filter", "~q");
        var badFilter = Assert.ThrowsAsync<OptionsException>(() => _h.SetAsync("view_filter", "~~"));
        Assert.That(badFilter!.Message, Does.Contain("Invalid filter expression"));
        await _h.SetAsync("view_order", "method");
        var badOrder = Assert.ThrowsAsync<OptionsException>(() => _h.SetAsync("view_order", "no"));
        Assert.That(badOrder!.Message, Does.Contain("one of method, size, time, url"));
        await _h.SetAsync("view_order_reversed", "true");
        await _h.SetAsync("focus_follow", "true");

        Assert.That((V.Order.Name, V.Reversed, V.FocusFollow), Is.EqualTo(("method", true, true)));
        Assert.That(_h.Options.Get<string>("view_filter"), Is.EqualTo("~q"), "the rejected filter left the old one");
    }

    [Test]
    public void B52_MarkerRendering()
    {
        // The View's Markers: the glyph a list of flows shows for a marker, and the markers flow.mark takes.
        Assert.Multiple(() =>
        {
            Assert.That(Markers.Render(":default:"), Is.EqualTo("\u25CF"));
            Assert.That(Markers.Render("X"), Is.EqualTo("X"));
            Assert.That(Markers.Render("7"), Is.EqualTo("7"));
            Assert.That(Markers.Render(":grapes:"), Is.EqualTo(char.ConvertFromUtf32(0x1F347)));
            Assert.That(Markers.Render(":not valid:"), Is.EqualTo("\u25CF"));
            Assert.That(Markers.Render(":weird"), Is.EqualTo("\u25CF"));
            Assert.That(Markers.Render(":default:", unicode: false), Is.EqualTo("#"));
            Assert.That(Markers.Render(":grapes:", unicode: false), Is.EqualTo("#"));
            Assert.That(Markers.Render(""), Is.Empty, "an unmarked flow shows nothing");
            Assert.That(Markers.IsEmojiName(":grapes:") && Markers.IsEmojiName("thumbsup") && !Markers.IsEmojiName(":not valid:"), Is.True);
            Assert.That(new[] { "", ":default:", "X", "7", ":grapes:" }.All(Markers.IsValid), Is.True, "what flow.mark takes");
            Assert.That(new[] { ":not valid:", ":weird", "XY", "\u00e9" }.Any(Markers.IsValid), Is.False, "what flow.mark refuses");
        });
    }

    private async Task<int> Count(string spec) => ((IReadOnlyList<Flow>)(await _h.RunAsync("view.flows.resolve", spec))!).Count;

    private async Task<string[]> Methods(string spec) =>
        [.. ((IReadOnlyList<Flow>)(await _h.RunAsync("view.flows.resolve", spec))!).Select(f => ((HttpFlow)f).Request.Method.ToUpperInvariant())];
}
