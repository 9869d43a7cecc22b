using System.Net;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Web;

/// <summary>DNS numbers as people read them (RFC 1035, 3596, 9460): record types, classes, response codes, and the data of common records.</summary>
internal static class DnsNames
{
    public static string Type(int type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        41 => "OPT",
        64 => "SVCB",
        65 => "HTTPS",
        255 => "ANY",
        _ => $"TYPE{type}",
    };

    public static string Class(int dnsClass) => dnsClass switch
    {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        255 => "ANY",
        _ => $"CLASS{dnsClass}",
    };

    public static string ResponseCode(int code) => code switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => $"RCODE{code}",
    };

    /// <summary>An address record's address, a TXT record's strings; null for the others (their bytes go as base64).</summary>
    public static string? Data(DnsResourceRecord record)
    {
        switch (record.Type)
        {
            case 1 when record.Data.Length == 4:
            case 28 when record.Data.Length == 16:
                return new IPAddress(record.Data).ToString();
            case 16:
                var text = new StringBuilder();
                for (var i = 0; i < record.Data.Length; i += 1 + record.Data[i])
                {
                    var length = Math.Min(record.Data[i], record.Data.Length - i - 1);
                    text.Append(Encoding.UTF8.GetString(record.Data, i + 1, length));
                }

                return text.ToString();
            default:
                return null;
        }
    }
}
