using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy.Tls;

/// <summary>
/// The proxy's own certificate authority: it signs a certificate for every host a client connects to, so the proxy
/// can terminate TLS. Clients trust it by importing <see cref="CertificatePemPath"/>; the private key never leaves
/// <c>addons-ca.pem</c>, which only the user can read.
/// </summary>
internal sealed partial class CertificateAuthority : IDisposable
{
    /// <summary>The CA certificate followed by its private key; readable by the user only.</summary>
    public const string PrivateFileName = "addons-ca.pem";

    /// <summary>The CA certificate alone, in PEM, for clients to import.</summary>
    public const string CertificatePemFileName = "addons-ca-cert.pem";

    /// <summary>The CA certificate alone, in DER, for clients (Windows, Android) that prefer it.</summary>
    public const string CertificateDerFileName = "addons-ca-cert.cer";

    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicFileMode = PrivateFileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>How far back validity starts, so clients with a slow clock still accept a fresh certificate.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromDays(2);

    /// <summary>The longest leaf validity browsers accept (CA/Browser Forum, since 2020).</summary>
    private static readonly TimeSpan MaxLeafLifetime = TimeSpan.FromDays(397);

    private static readonly X500DistinguishedName CaSubject = new("CN=Addons Proxy CA, O=Addons");
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    private readonly TimeProvider _time;
    private readonly AsymmetricAlgorithm _caKey;
    private readonly X509SignatureGenerator _signer;
    private readonly X509AuthorityKeyIdentifierExtension? _authorityKeyIdentifier;

    // One key for every leaf: generating a key per host would dominate the first handshake with each host.
    private readonly ECDsa _leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentDictionary<string, Lazy<SslStreamCertificateContext>> _contexts = new(StringComparer.OrdinalIgnoreCase);
    private int _issuedCount;
    private bool _disposed;

    private CertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm caKey, string certificatePemPath, TimeProvider time)
    {
        Certificate = certificate;
        CertificatePemPath = certificatePemPath;
        _time = time;
        _caKey = caKey;
        _signer = caKey switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"A CA key of type {caKey.GetType().Name} is not supported.", nameof(caKey)),
        };

        // A CA without a subject key identifier (some hand-made ones) still works; its leaves just lack the hint.
        var subjectKeyIdentifier = certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
        _authorityKeyIdentifier = subjectKeyIdentifier is null
            ? null
            : X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyIdentifier);
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The public PEM users import to trust the proxy.</summary>
    public string CertificatePemPath { get; }

    /// <summary>How many leaf certificates this CA has signed; for diagnostics, and to show each host is signed once.</summary>
    public int IssuedCount => Volatile.Read(ref _issuedCount);

    /// <summary>
    /// Loads the CA from <paramref name="directory"/>, or creates it there on first run. An existing
    /// <c>addons-ca.pem</c> is never overwritten: one that cannot be used is reported with an <see cref="AddonHostException"/>.
    /// </summary>
    public static CertificateAuthority LoadOrCreate(string directory, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);

        var fullDirectory = Path.GetFullPath(directory);
        var privatePath = Path.Combine(fullDirectory, PrivateFileName);
        var pemPath = Path.Combine(fullDirectory, CertificatePemFileName);

        var (certificate, key) = File.Exists(privatePath)
            ? Load(privatePath, time)
            : CreateOrLoad(fullDirectory, privatePath, pemPath, time, logger);

        var authority = new CertificateAuthority(certificate, key, pemPath, time);
        try
        {
            authority.WritePublicFiles(fullDirectory);
        }
        catch
        {
            authority.Dispose();
            throw;
        }

        return authority;
    }

    /// <summary>
    /// A certificate for <paramref name="host"/> (a DNS name or an IPv4/IPv6 literal, brackets allowed) signed by this CA,
    /// ready for <see cref="SslServerAuthenticationOptions.ServerCertificateContext"/>. Each host's certificate is
    /// made once, however many connections ask for it at the same time, and kept for the life of this object.
    /// </summary>
    public SslStreamCertificateContext GetServerContext(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var name = HostName(host, out var address);
        var lazy = _contexts.GetOrAdd(
            name,
            static (key, state) => new Lazy<SslStreamCertificateContext>(() => state.Authority.CreateServerContext(key, state.Address)),
            (Authority: this, Address: address));
        return lazy.Value;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lazy in _contexts.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.TargetCertificate.Dispose();
            }
        }

        _contexts.Clear();
        _leafKey.Dispose();
        _caKey.Dispose();
        Certificate.Dispose();
    }

    /// <summary>The cache key and certificate name: IP literals in canonical form, DNS names in lower case.</summary>
    private static string HostName(string host, out IPAddress? address)
    {
        var text = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(text, out var parsed))
        {
            // IPAddress also accepts shorthand such as "1234" or "127.1"; only a dotted quad is an IPv4 literal in a URL.
            if (parsed.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // A zone ("%eth0") is local to the client and has no place in a certificate.
                parsed.ScopeId = 0;
                address = parsed;
                return parsed.ToString();
            }

            if (parsed.ToString() == text)
            {
                address = parsed;
                return text;
            }
        }

        address = null;
        return text.ToLowerInvariant();
    }

    private static (X509Certificate2 Certificate, AsymmetricAlgorithm Key) CreateOrLoad(
        string directory, string privatePath, string pemPath, TimeProvider time, ILogger logger)
    {
        var (certificate, key) = Create(time);
        try
        {
            if (!TryWritePrivateFile(directory, privatePath, certificate, key))
            {
                // Another process created the CA between our check and our write: use theirs, so both agree.
                certificate.Dispose();
                key.Dispose();
                return Load(privatePath, time);
            }
        }
        catch
        {
            certificate.Dispose();
            key.Dispose();
            throw;
        }

        LogCreated(logger, directory, pemPath);
        return (certificate, key);
    }

    private static (X509Certificate2 Certificate, AsymmetricAlgorithm Key) Create(TimeProvider time)
    {
        var now = time.GetUtcNow();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(CaSubject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return (request.CreateSelfSigned(now - Backdate, now.AddYears(10)), key);
    }

    /// <summary>
    /// Writes <c>addons-ca.pem</c> through a temporary file, so a crash never leaves half a CA behind and the key is
    /// never readable by others, even for a moment. Returns false if the file appeared meanwhile.
    /// </summary>
    private static bool TryWritePrivateFile(string directory, string privatePath, X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        var text = certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
        var temporaryPath = Path.Combine(directory, $".{PrivateFileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, PrivateDirectoryMode);
            }

            using (var stream = new FileStream(temporaryPath, NewFileOptions(PrivateFileMode)))
            {
                stream.Write(Encoding.ASCII.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporaryPath, privatePath, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(privatePath))
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"{privatePath} cannot be created: {ex.Message}", ex);
        }
        finally
        {
            // Checked first: File.Delete throws when the directory itself could not be created.
            if (File.Exists(temporaryPath))
            {
                File.Delete(temporaryPath);
            }
        }
    }

    private static (X509Certificate2 Certificate, AsymmetricAlgorithm Key) Load(string path, TimeProvider time)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"{path} cannot be read: {ex.Message}", ex);
        }

        var (certificate, key) = Parse(text, out var problem);
        if (problem is not null)
        {
            throw new AddonHostException($"{path} is not a CA certificate with its private key ({problem}); move it away to have a new CA created.");
        }

        var notAfter = new DateTimeOffset(certificate!.NotAfter);
        if (notAfter <= time.GetUtcNow())
        {
            certificate.Dispose();
            key!.Dispose();
            throw new AddonHostException($"{path} holds a CA certificate that expired on {notAfter.UtcDateTime:yyyy-MM-dd}; move it away to have a new CA created.");
        }

        return (certificate, key!);
    }

    /// <summary>Reads the first certificate and the first private key in <paramref name="text"/>, or says what is wrong.</summary>
    private static (X509Certificate2? Certificate, AsymmetricAlgorithm? Key) Parse(string text, out string? problem)
    {
        byte[]? certificateDer = null;
        byte[]? keyDer = null;
        string? keyLabel = null;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            var data = rest[fields.Base64Data];
            if (certificateDer is null && label.SequenceEqual("CERTIFICATE"))
            {
                certificateDer = Convert.FromBase64String(data.ToString());
            }
            else if (keyDer is null && label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                keyLabel = label.ToString();
                keyDer = Convert.FromBase64String(data.ToString());
            }

            rest = rest[fields.Location.End..];
        }

        if (certificateDer is null)
        {
            problem = "it has no CERTIFICATE block";
            return (null, null);
        }

        if (keyDer is null)
        {
            problem = "it has no PRIVATE KEY block";
            return (null, null);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        }
        catch (CryptographicException ex)
        {
            problem = $"its CERTIFICATE block is not a valid certificate: {ex.Message.TrimEnd('.')}";
            return (null, null);
        }

        using (certificate)
        {
            var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                problem = $"the certificate for {certificate.Subject} is not a CA certificate";
                return (null, null);
            }

            var key = ReadKey(certificate, keyLabel!, keyDer, out problem);
            if (key is null)
            {
                return (null, null);
            }

            try
            {
                var withKey = key switch
                {
                    ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                    _ => certificate.CopyWithPrivateKey((RSA)key),
                };
                return (withKey, key);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                key.Dispose();
                problem = "its private key does not belong to its certificate";
                return (null, null);
            }
        }
    }

    private static AsymmetricAlgorithm? ReadKey(X509Certificate2 certificate, string label, byte[] der, out string? problem)
    {
        const string EcPublicKey = "1.2.840.10045.2.1";
        const string RsaPublicKey = "1.2.840.113549.1.1.1";

        if (label == "ENCRYPTED PRIVATE KEY")
        {
            problem = "its private key is encrypted, which is not supported";
            return null;
        }

        AsymmetricAlgorithm key;
        switch (certificate.PublicKey.Oid.Value)
        {
            case EcPublicKey:
                var ecdsa = ECDsa.Create();
                key = ecdsa;
                try
                {
                    if (label == "EC PRIVATE KEY")
                    {
                        ecdsa.ImportECPrivateKey(der, out _);
                    }
                    else
                    {
                        ecdsa.ImportPkcs8PrivateKey(der, out _);
                    }
                }
                catch (CryptographicException)
                {
                    key.Dispose();
                    problem = $"its {label} block is not an ECDSA private key";
                    return null;
                }

                break;
            case RsaPublicKey:
                var rsa = RSA.Create();
                key = rsa;
                try
                {
                    if (label == "RSA PRIVATE KEY")
                    {
                        rsa.ImportRSAPrivateKey(der, out _);
                    }
                    else
                    {
                        rsa.ImportPkcs8PrivateKey(der, out _);
                    }
                }
                catch (CryptographicException)
                {
                    key.Dispose();
                    problem = $"its {label} block is not an RSA private key";
                    return null;
                }

                break;
            default:
                problem = $"its certificate has a {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value} key; only ECDSA and RSA are supported";
                return null;
        }

        problem = null;
        return key;
    }

    private static FileStreamOptions NewFileOptions(UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        return options;
    }

    /// <summary>Writes the files users import, when missing or left over from a CA that has since been replaced.</summary>
    private void WritePublicFiles(string directory)
    {
        WritePublicFile(Path.Combine(directory, CertificatePemFileName), Encoding.ASCII.GetBytes(Certificate.ExportCertificatePem() + "\n"));
        WritePublicFile(Path.Combine(directory, CertificateDerFileName), Certificate.RawData);
    }

    private static void WritePublicFile(string path, byte[] content)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
            {
                return;
            }

            var temporaryPath = $"{path}.{Guid.NewGuid():N}.tmp";
            try
            {
                using (var stream = new FileStream(temporaryPath, NewFileOptions(PublicFileMode)))
                {
                    stream.Write(content);
                }

                File.Move(temporaryPath, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporaryPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"{path} cannot be written: {ex.Message}", ex);
        }
    }

    private SslStreamCertificateContext CreateServerContext(string name, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        var caNotBefore = new DateTimeOffset(Certificate.NotBefore);
        var caNotAfter = new DateTimeOffset(Certificate.NotAfter);
        var notBefore = Max(now - Backdate, caNotBefore);
        var notAfter = Min(now + MaxLeafLifetime, caNotAfter);

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name.Length > 64 ? name[..64] : name);

        var alternativeNames = new SubjectAlternativeNameBuilder();
        if (address is null)
        {
            alternativeNames.AddDnsName(name);
        }
        else
        {
            alternativeNames.AddIpAddress(address);
        }

        var request = new CertificateRequest(subject.Build(), _leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication], critical: false));
        request.CertificateExtensions.Add(alternativeNames.Build());
        if (_authorityKeyIdentifier is not null)
        {
            request.CertificateExtensions.Add(_authorityKeyIdentifier);
        }

        using var issued = request.Create(Certificate.SubjectName, _signer, notBefore, notAfter, SerialNumber());
        Interlocked.Increment(ref _issuedCount);
        var leaf = issued.CopyWithPrivateKey(_leafKey);
        return SslStreamCertificateContext.Create(leaf, [Certificate], offline: true);
    }

    /// <summary>16 random bytes, positive and without a leading zero byte, so the DER integer keeps all 16.</summary>
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Created a new CA in {Directory}; trust {PemPath} in your clients to intercept HTTPS")]
    private static partial void LogCreated(ILogger logger, string directory, string pemPath);
}
