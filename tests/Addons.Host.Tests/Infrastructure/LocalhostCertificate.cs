using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A self-signed server certificate for localhost and 127.0.0.1, for the test origins (<see cref="KestrelOrigin"/>,
/// and those that need a Kestrel of their own: gRPC, a browser's page). Its PEM file is what the proxy's
/// ssl_verify_upstream_trusted_ca is set to.
/// </summary>
internal static class LocalhostCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Writes <paramref name="certificate"/> as PEM into <paramref name="folder"/> and returns the file's path.</summary>
    public static async Task<string> WritePemAsync(X509Certificate2 certificate, string folder, string name)
    {
        var path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>Whether <paramref name="certificate"/> is exactly <paramref name="expected"/> (a client that trusts one self-signed origin).</summary>
    public static bool IsExactly(X509Certificate? certificate, X509Certificate2 expected) =>
        certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(expected.RawData);
}
