using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// A container image archive unpacked into a folder: an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/sha256/</c>), as the SDK's container publishing writes it, and as deploy/container/build-image.sh writes it
/// with a <c>docker save</c> <c>manifest.json</c> beside it.
/// </summary>
internal sealed class ImageArchive
{
    private ImageArchive(string folder, JsonElement index, JsonElement manifest, JsonElement config, JsonElement? dockerManifest)
    {
        Folder = folder;
        Index = index;
        Manifest = manifest;
        Config = config;
        DockerManifest = dockerManifest;
    }

    /// <summary>Where the archive was unpacked.</summary>
    public string Folder { get; }

    public JsonElement Index { get; }

    /// <summary>The OCI image manifest the index names.</summary>
    public JsonElement Manifest { get; }

    /// <summary>The image configuration the manifest names.</summary>
    public JsonElement Config { get; }

    /// <summary><c>manifest.json</c>'s one entry, what <c>docker load</c> reads; null when the archive has none.</summary>
    public JsonElement? DockerManifest { get; }

    /// <summary>The settings a runtime starts the image with (the configuration's <c>config</c>).</summary>
    public JsonElement RunConfig => Config.GetProperty("config");

    /// <summary>The layer blobs, bottom first.</summary>
    public IReadOnlyList<string> LayerPaths =>
        [.. Manifest.GetProperty("layers").EnumerateArray().Select(l => BlobPath(l.GetProperty("digest").GetString()!))];

    public static async Task<ImageArchive> OpenAsync(string archive, string folder)
    {
        Directory.CreateDirectory(folder);
        await TarFile.ExtractToDirectoryAsync(archive, folder, overwriteFiles: false);
        var index = await ReadJsonAsync(Path.Combine(folder, "index.json"));
        var layout = new ImageArchive(folder, index, default, default, default);
        var manifest = await ReadJsonAsync(layout.BlobPath(index.GetProperty("manifests")[0].GetProperty("digest").GetString()!));
        var config = await ReadJsonAsync(layout.BlobPath(manifest.GetProperty("config").GetProperty("digest").GetString()!));
        var dockerPath = Path.Combine(folder, "manifest.json");
        JsonElement? docker = File.Exists(dockerPath) ? (await ReadJsonAsync(dockerPath))[0] : null;
        return new ImageArchive(folder, index, manifest, config, docker);
    }

    /// <summary>The blob file for <paramref name="digest"/> (<c>sha256:HEX</c>).</summary>
    public string BlobPath(string digest) =>
        digest.StartsWith("sha256:", StringComparison.Ordinal)
            ? Path.Combine(Folder, "blobs", "sha256", digest["sha256:".Length..])
            : throw new FormatException($"'{digest}' is not a sha256 digest.");

    /// <summary>The digest of a file's bytes, as <c>sha256:HEX</c>.</summary>
    public static async Task<string> DigestAsync(Stream content) =>
        "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(content));

    /// <summary>The digest of a gzip layer's uncompressed tar, its <c>diff_id</c>.</summary>
    public static async Task<string> DiffIdAsync(string layer)
    {
        await using var file = File.OpenRead(layer);
        await using var tar = new GZipStream(file, CompressionMode.Decompress);
        return await DigestAsync(tar);
    }

    /// <summary>Every entry of a gzip layer, by its path without a leading <c>./</c>.</summary>
    public static async Task<Dictionary<string, TarEntry>> ReadLayerAsync(string layer)
    {
        var entries = new Dictionary<string, TarEntry>(StringComparer.Ordinal);
        await using var file = File.OpenRead(layer);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            entries[name.TrimEnd('/')] = entry;
        }

        return entries;
    }

    private static async Task<JsonElement> ReadJsonAsync(string path)
    {
        await using var file = File.OpenRead(path);
        using var document = await JsonDocument.ParseAsync(file);
        return document.RootElement.Clone();
    }
}
