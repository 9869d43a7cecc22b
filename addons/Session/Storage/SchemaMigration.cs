namespace Addons.Session.Storage;

/// <summary>One step of the session schema: the SQL that brings a file from the previous version to <paramref name="Version"/>.</summary>
/// <param name="Version">The version the file has after this step.</param>
/// <param name="Description">What the step does, recorded in <c>schema_version</c>.</param>
/// <param name="Statements">The SQL statements, run in order inside one transaction.</param>
internal sealed record SchemaMigration(int Version, string Description, IReadOnlyList<string> Statements)
{
    /// <summary>Fills what the statements added from the stored records, in the same transaction; null when there is nothing to fill.</summary>
    public Action<Microsoft.Data.Sqlite.SqliteConnection, Microsoft.Data.Sqlite.SqliteTransaction>? Backfill { get; init; }
}
