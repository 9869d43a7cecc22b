using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Addons.Host.Proxy.Tls;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Host.Tests.Proxy.Tls;

public sealed class CertificateAuthorityTests
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private string _folder = null!;

    private string PrivatePath => Path.Combine(_folder, CertificateAuthority.PrivateFileName);

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-ca-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void TheFirstRunCreatesTheCaWithAPrivateKeyFileOnlyTheUserCanRead()
    {
        var directory = Path.Combine(_folder, "ca");
        var logs = new LogCollector();

        using var ca = CertificateAuthority.LoadOrCreate(directory, TimeProvider.System, logs.CreateLogger("ca"));

        var pemPath = Path.Combine(directory, CertificateAuthority.CertificatePemFileName);
        var derPath = Path.Combine(directory, CertificateAuthority.CertificateDerFileName);
        var privatePath = Path.Combine(directory, CertificateAuthority.PrivateFileName);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(privatePath) && File.Exists(pemPath) && File.Exists(derPath), Is.True);
            Assert.That(File.GetUnixFileMode(privatePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That(Directory.GetFiles(directory), Has.Length.EqualTo(3), "no temporary file is left behind");
            Assert.That(ca.CertificatePemPath, Is.EqualTo(pemPath));
            Assert.That(ca.Certificate.HasPrivateKey, Is.True);
            Assert.That(ca.Certificate.Subject, Is.EqualTo("CN=Addons Proxy CA, O=Addons"));
            Assert.That(ca.Certificate.GetECDsaPublicKey()!.KeySize, Is.EqualTo(256));
            Assert.That(ca.Certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single(), Has.Property("CertificateAuthority").True.And.Property("Critical").True);
            Assert.That(X509CertificateLoader.LoadCertificateFromFile(pemPath).Thumbprint, Is.EqualTo(ca.Certificate.Thumbprint));
            Assert.That(X509CertificateLoader.LoadCertificateFromFile(derPath).Thumbprint, Is.EqualTo(ca.Certificate.Thumbprint));
            Assert.That(File.ReadAllText(pemPath), Does.Not.Contain("PRIVATE KEY"));
            Assert.That(logs.Lines.Select(l => l.ToString()), Is.EqualTo(new[]
            {
                $"Information: Created a new CA in {directory}; trust {pemPath} in your clients to intercept HTTPS",
            }));
        });
    }

    [Test]
    public void TheSecondRunLoadsTheSameCaWithoutRewritingIt()
    {
        string thumbprint;
        using (var first = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance))
        {
            thumbprint = first.Certificate.Thumbprint;
        }

        var bytes = File.ReadAllBytes(PrivatePath);
        var written = File.GetLastWriteTimeUtc(PrivatePath);
        var logs = new LogCollector();

        using var second = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, logs.CreateLogger("ca"));

        Assert.Multiple(() =>
        {
            Assert.That(second.Certificate.Thumbprint, Is.EqualTo(thumbprint));
            Assert.That(second.Certificate.HasPrivateKey, Is.True);
            Assert.That(File.ReadAllBytes(PrivatePath), Is.EqualTo(bytes));
            Assert.That(File.GetLastWriteTimeUtc(PrivatePath), Is.EqualTo(written));
            Assert.That(logs.Lines, Is.Empty, "loading an existing CA is not news");
        });
    }

    [Test]
    public void MissingPublicFilesAreWrittenAgain()
    {
        string thumbprint;
        using (var first = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance))
        {
            thumbprint = first.Certificate.Thumbprint;
        }

        File.Delete(Path.Combine(_folder, CertificateAuthority.CertificatePemFileName));
        File.Delete(Path.Combine(_folder, CertificateAuthority.CertificateDerFileName));

        using var second = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);

        Assert.Multiple(() =>
        {
            Assert.That(X509CertificateLoader.LoadCertificateFromFile(second.CertificatePemPath).Thumbprint, Is.EqualTo(thumbprint));
            Assert.That(X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_folder, CertificateAuthority.CertificateDerFileName)).Thumbprint, Is.EqualTo(thumbprint));
        });
    }

    [TestCase("this is not a certificate\n", "it has no CERTIFICATE block")]
    [TestCase("", "it has no CERTIFICATE block")]
    [TestCase("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "its CERTIFICATE block is not a valid certificate")]
    public void AnUnusableCaFileNamesTheFileAndIsLeftAlone(string content, string problem)
    {
        File.WriteAllText(PrivatePath, content);

        AssertRefused(problem);
    }

    [Test]
    public void ACaFileWithoutItsKeyIsRefused()
    {
        using var ca = CreateRsaCa();
        File.WriteAllText(PrivatePath, ca.ExportCertificatePem());

        AssertRefused("it has no PRIVATE KEY block");
    }

    [Test]
    public void ACaFileWithAnotherCasKeyIsRefused()
    {
        using var other = CertificateAuthority.LoadOrCreate(Path.Combine(_folder, "other"), TimeProvider.System, NullLogger.Instance);
        using var mine = CreateEcdsaCa();
        using var otherKey = other.Certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(PrivatePath, mine.ExportCertificatePem() + "\n" + otherKey.ExportPkcs8PrivateKeyPem());

        AssertRefused("its private key does not belong to its certificate");
    }

    [Test]
    public void ALeafCertificateIsNotAcceptedAsTheCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=not a ca", key, HashAlgorithmName.SHA256);
        using var leaf = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllText(PrivatePath, leaf.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());

        AssertRefused("the certificate for CN=not a ca is not a CA certificate");
    }

    [Test]
    public void AnExpiredCaIsRefused()
    {
        using (CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance))
        {
        }

        var later = new ManualTime(DateTimeOffset.UtcNow.AddYears(11));
        var bytes = File.ReadAllBytes(PrivatePath);

        var ex = Assert.Throws<AddonHostException>(() => CertificateAuthority.LoadOrCreate(_folder, later, NullLogger.Instance));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.StartWith($"{PrivatePath} holds a CA certificate that expired on ").And.EndWith("; move it away to have a new CA created."));
            Assert.That(File.ReadAllBytes(PrivatePath), Is.EqualTo(bytes));
        });
    }

    [TestCase("example.com", "example.com")]
    [TestCase("Example.COM", "example.com")]
    [TestCase("127.0.0.1", "127.0.0.1")]
    [TestCase("::1", "::1")]
    [TestCase("[::1]", "::1")]
    [TestCase("fe80::1%2", "fe80::1")]
    [TestCase("127.1", "127.1")]
    public void ALeafChainsToTheCaAndNamesTheHost(string host, string expected)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);

        var leaf = ca.GetServerContext(host).TargetCertificate;

        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var names = san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())).ToList();
        var usages = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Multiple(() =>
        {
            Assert.That(BuildChain(ca.Certificate, leaf), Is.True);
            Assert.That(names, Is.EqualTo(new[] { expected }));
            Assert.That(leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false), Is.EqualTo(expected));
            Assert.That(usages, Is.EqualTo(new[] { ServerAuthentication }));
            Assert.That(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority, Is.False);
            Assert.That(leaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages, Is.EqualTo(X509KeyUsageFlags.DigitalSignature));
            Assert.That(leaf.NotAfter, Is.LessThanOrEqualTo(ca.Certificate.NotAfter));
            Assert.That(leaf.NotAfter, Is.LessThanOrEqualTo(DateTime.Now.AddDays(397)));
            Assert.That(leaf.NotBefore, Is.LessThan(DateTime.Now.AddDays(-1)), "clients with a slow clock accept it");
            Assert.That(leaf.HasPrivateKey, Is.True);
            Assert.That(leaf.SerialNumberBytes.Length, Is.EqualTo(16));
        });
    }

    [Test]
    public void EveryLeafUsesTheSameKeyButHasItsOwnSerialNumber()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);

        var first = ca.GetServerContext("a.example").TargetCertificate;
        var second = ca.GetServerContext("b.example").TargetCertificate;

        Assert.Multiple(() =>
        {
            Assert.That(second.PublicKey.EncodedKeyValue.RawData, Is.EqualTo(first.PublicKey.EncodedKeyValue.RawData));
            Assert.That(second.SerialNumber, Is.Not.EqualTo(first.SerialNumber));
        });
    }

    [Test]
    public void ALongHostNameIsCutToSixtyFourCharactersInTheCommonNameOnly()
    {
        var host = string.Join('.', Enumerable.Repeat("abcdefghij", 8)) + ".example";
        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);

        var leaf = ca.GetServerContext(host).TargetCertificate;

        Assert.Multiple(() =>
        {
            Assert.That(leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false), Is.EqualTo(host[..64]));
            Assert.That(leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false), Is.EqualTo(host));
            Assert.That(BuildChain(ca.Certificate, leaf), Is.True);
        });
    }

    [Test]
    public void ALeafNeverOutlivesTheCa()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.LoadOrCreate(_folder, time, NullLogger.Instance);
        time.Now = new DateTimeOffset(ca.Certificate.NotAfter).AddDays(-30);

        var leaf = ca.GetServerContext("late.example").TargetCertificate;

        Assert.That(leaf.NotAfter, Is.EqualTo(ca.Certificate.NotAfter));
    }

    [Test]
    public void ConcurrentRequestsForOneHostMakeOneCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);
        var contexts = new SslStreamCertificateContext[64];
        using var ready = new CountdownEvent(contexts.Length);
        using var gate = new ManualResetEventSlim();

        // Dedicated threads, so all 64 really are waiting at the gate when it opens, even on a two-core machine.
        var threads = Enumerable.Range(0, contexts.Length).Select(i => new Thread(() =>
        {
            ready.Signal();
            gate.Wait();
            contexts[i] = ca.GetServerContext(i % 2 == 0 ? "same.example" : "SAME.example");
        })).ToList();
        threads.ForEach(t => t.Start());
        ready.Wait();
        gate.Set();
        threads.ForEach(t => t.Join());

        Assert.Multiple(() =>
        {
            Assert.That(contexts.Select(c => c.TargetCertificate).Distinct(), Has.Exactly(1).Items);
            Assert.That(contexts.Select(c => c.TargetCertificate.Thumbprint).Distinct(), Has.Exactly(1).Items);
            Assert.That(ca.IssuedCount, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AClientThatTrustsTheCaCompletesAHandshake()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = ServeOnceAsync(listener, ca);

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            await using var tls = new SslStream(client.GetStream());
            SslPolicyErrors? reported = null;
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    reported = errors;
                    return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                        && certificate is X509Certificate2 leaf
                        && BuildChain(ca.Certificate, leaf);
                },
            }).WaitAsync(TimeSpan.FromSeconds(10));

            await tls.WriteAsync("ping"u8.ToArray());
            var answer = new byte[4];
            await tls.ReadExactlyAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await server.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Multiple(() =>
            {
                Assert.That(answer, Is.EqualTo("pong"u8.ToArray()));
                Assert.That(reported, Is.EqualTo(SslPolicyErrors.RemoteCertificateChainErrors), "only because the CA is not in the system store");
                Assert.That(tls.RemoteCertificate!.Subject, Is.EqualTo("CN=localhost"));
            });
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public void AnRsaCaBroughtByTheUserSignsLeaves()
    {
        using var rsaCa = CreateRsaCa();
        using var rsaKey = rsaCa.GetRSAPrivateKey()!;
        File.WriteAllText(PrivatePath, rsaCa.ExportCertificatePem() + "\n" + rsaKey.ExportRSAPrivateKeyPem());

        using var ca = CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance);
        var leaf = ca.GetServerContext("rsa.example").TargetCertificate;

        Assert.Multiple(() =>
        {
            Assert.That(ca.Certificate.Thumbprint, Is.EqualTo(rsaCa.Thumbprint));
            Assert.That(BuildChain(rsaCa, leaf), Is.True);
        });
    }

    private static async Task ServeOnceAsync(TcpListener listener, CertificateAuthority ca)
    {
        using var connection = await listener.AcceptTcpClientAsync();
        await using var tls = new SslStream(connection.GetStream());
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = ca.GetServerContext("localhost") });
        var request = new byte[4];
        await tls.ReadExactlyAsync(request);
        if (request.AsSpan().SequenceEqual("ping"u8))
        {
            await tls.WriteAsync("pong"u8.ToArray());
        }
    }

    private static bool BuildChain(X509Certificate2 root, X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf)
            && chain.ChainElements.Count == 2
            && chain.ChainElements[1].Certificate.Thumbprint == root.Thumbprint;
    }

    private static X509Certificate2 CreateRsaCa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Users Own CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
    }

    private static X509Certificate2 CreateEcdsaCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Addons Proxy CA, O=Addons", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
    }

    private void AssertRefused(string problem)
    {
        var bytes = File.ReadAllBytes(PrivatePath);

        var ex = Assert.Throws<AddonHostException>(() => CertificateAuthority.LoadOrCreate(_folder, TimeProvider.System, NullLogger.Instance));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.StartWith($"{PrivatePath} is not a CA certificate with its private key ({problem}"));
            Assert.That(ex.Message, Does.EndWith("); move it away to have a new CA created."));
            Assert.That(File.ReadAllBytes(PrivatePath), Is.EqualTo(bytes), "the file is left as it was");
            Assert.That(File.Exists(Path.Combine(_folder, CertificateAuthority.CertificatePemFileName)), Is.False);
        });
    }

    /// <summary>A clock the test sets, to reach the end of the CA's life without waiting ten years.</summary>
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
