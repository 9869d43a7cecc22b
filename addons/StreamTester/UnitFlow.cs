using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.StreamTester;

/// <summary>The flow a stream duplicates, and how each duplicate is made from it.</summary>
internal static class UnitFlow
{
    /// <summary>The host synthetic flows are addressed to: reserved (RFC 6761), so a duplicate never names a real site.</summary>
    public const string SyntheticHost = "streamtester.invalid";

    /// <summary>
    /// A complete GET exchange with browser-like request headers and a 200 response whose body is
    /// <paramref name="bodySize"/> bytes of JSON-like text.
    /// </summary>
    public static HttpFlow Synthetic(int bodySize, DateTimeOffset now)
    {
        var body = new byte[bodySize];
        var pattern = "{\"id\":12345,\"name\":\"stream tester\",\"tags\":[\"a\",\"b\"],\"ok\":true}\n"u8;
        for (var i = 0; i < body.Length; i += pattern.Length)
        {
            pattern[..Math.Min(pattern.Length, body.Length - i)].CopyTo(body.AsSpan(i));
        }

        var flow = new HttpFlow
        {
            Request = new HttpRequest
            {
                Method = "GET",
                Scheme = "https",
                Host = SyntheticHost,
                Port = 443,
                Path = "/stream/unit?page=1",
                HttpVersion = "HTTP/1.1",
                Headers = new HttpHeaders(
                    ("Host", SyntheticHost),
                    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
                    ("Accept", "application/json, text/plain, */*"),
                    ("Accept-Language", "en-US,en;q=0.5"),
                    ("Accept-Encoding", "identity"),
                    ("Connection", "keep-alive")),
                Content = [],
                TimestampStart = now,
                TimestampEnd = now.AddMilliseconds(1),
            },
            Response = new HttpResponse
            {
                StatusCode = 200,
                Reason = "OK",
                HttpVersion = "HTTP/1.1",
                Headers = new HttpHeaders(
                    ("Content-Type", "application/json"),
                    ("Content-Length", bodySize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("Cache-Control", "no-store"),
                    ("Date", now.ToString("r", System.Globalization.CultureInfo.InvariantCulture))),
                Content = body,
                TimestampStart = now.AddMilliseconds(5),
                TimestampEnd = now.AddMilliseconds(6),
            },
            TimestampCreated = now,
        };
        flow.Server.Address = new HostPort(SyntheticHost, 443);
        flow.Comment = Encoding.ASCII.GetString("synthetic unit flow of the stream tester"u8);
        return flow;
    }

    /// <summary>
    /// A copy of <paramref name="unit"/> with a fresh id, every timestamp moved so that it was created at
    /// <paramref name="now"/> (durations kept), and no mark: a flow just captured.
    /// </summary>
    public static HttpFlow Duplicate(HttpFlow unit, DateTimeOffset now)
    {
        var copy = (HttpFlow)unit.Copy();
        var shift = now - unit.TimestampCreated;
        copy.TimestampCreated = now;
        copy.Marked = "";
        copy.Request.TimestampStart += shift;
        copy.Request.TimestampEnd += shift;
        if (copy.Response is { } response)
        {
            response.TimestampStart += shift;
            response.TimestampEnd += shift;
        }

        Shift(copy.Client, shift);
        Shift(copy.Server, shift);
        copy.Server.TimestampTcpSetup += shift;
        if (copy.Error is { } error)
        {
            copy.Error = error with { Timestamp = error.Timestamp + shift };
        }

        if (copy.WebSocket is { } webSocket)
        {
            webSocket.TimestampEnd += shift;
            foreach (var message in webSocket.Messages)
            {
                message.Timestamp += shift;
            }
        }

        return copy;
    }

    private static void Shift(Connection connection, TimeSpan shift)
    {
        connection.TimestampStart += shift;
        connection.TimestampTlsSetup += shift;
        connection.TimestampEnd += shift;
    }
}
