namespace StorageSnapshot.Engine.Inventory.Postgres;

/// <summary>
/// The PostgreSQL schema, versioned like the SQLite one and numbered the same: version N of either store holds
/// the same records with the same meaning, so an inventory moves between them (Export-/Import-StorageInventory).
/// A new PostgreSQL database starts at version 7 — the SQLite schema after M0001..M0007 — in one step, then takes
/// the later logical migrations (9: secondary storage properties); the next one (M0010) adds a step here and one in
/// Sqlite/Migrations. Never edit a step that has shipped.
/// </summary>
/// <remarks>
/// Names compare case-insensitively as on SQLite (COLLATE NOCASE): <c>citext</c> columns, so unique keys, foreign
/// keys, = and ORDER BY all ignore case (citext folds all of Unicode, NOCASE only ASCII: a name that differs from
/// another only in a non-ASCII letter's case is one name here). Parameters compared with them are cast to citext in
/// the SQL: citext = text would compare as text. Times are timestamptz holding whole milliseconds (what SQLite
/// keeps); dictionaries and journal details are the same JSON text as on SQLite (text, not jsonb: jsonb reorders
/// keys, and a moved inventory must be equal to the byte).
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>One step: its version and the SQL that makes it (run in the migration transaction).</summary>
    public sealed record Step(int Version, string Name, string Sql);

    /// <summary>Every step this build knows, in order.</summary>
    public static IReadOnlyList<Step> All { get; } =
    [
        new(7, "initial schema (SQLite M0001..M0007)", """
            CREATE EXTENSION IF NOT EXISTS citext;

            CREATE TABLE backends (
                name        citext      NOT NULL PRIMARY KEY,
                driver      text        NOT NULL,
                properties  text        NOT NULL DEFAULT '{}',
                maintenance boolean     NOT NULL DEFAULT false,
                reason      text,
                registered  timestamptz NOT NULL
            );

            CREATE TABLE volumes (
                id                       text        NOT NULL PRIMARY KEY,
                backend                  citext      NOT NULL REFERENCES backends (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
                name                     citext      NOT NULL,
                size                     bigint      NOT NULL CHECK (size >= 0),
                state                    text        NOT NULL,
                location                 text,
                driver_ref               text,
                created                  timestamptz NOT NULL,
                created_from_snapshot_id text,
                head_snapshot_id         text,
                error                    text,
                CONSTRAINT ux_volumes_backend_name UNIQUE (backend, name)
            );
            CREATE INDEX ix_volumes_created_from ON volumes (created_from_snapshot_id) WHERE created_from_snapshot_id IS NOT NULL;

            CREATE TABLE snapshots (
                id           text        NOT NULL PRIMARY KEY,
                volume_id    text        NOT NULL REFERENCES volumes (id) ON DELETE RESTRICT,
                name         citext      NOT NULL,
                created      timestamptz NOT NULL,
                size         bigint      NOT NULL CHECK (size >= 0),
                state        text        NOT NULL,
                description  text,
                tags         text        NOT NULL DEFAULT '{}',
                expires      timestamptz,
                client_token text,
                parent_id    text,
                driver_ref   text,
                location     text,
                details      text        NOT NULL DEFAULT '{}',
                error        text,
                CONSTRAINT ux_snapshots_volume_name UNIQUE (volume_id, name)
            );
            -- One volume's snapshots, oldest first, is the hot path: id in the key makes the ORDER BY free.
            CREATE INDEX ix_snapshots_volume_created ON snapshots (volume_id, created, id);
            -- Client tokens are unique per volume across every host: two hosts creating with one token make one snapshot.
            CREATE UNIQUE INDEX ux_snapshots_client_token ON snapshots (volume_id, client_token) WHERE client_token IS NOT NULL;
            CREATE INDEX ix_snapshots_parent ON snapshots (parent_id) WHERE parent_id IS NOT NULL;
            CREATE INDEX ix_snapshots_expires ON snapshots (expires) WHERE expires IS NOT NULL;
            CREATE INDEX ix_snapshots_name ON snapshots (name);

            CREATE TABLE operations (
                id            text        NOT NULL PRIMARY KEY,
                kind          text        NOT NULL,
                state         text        NOT NULL,
                backend       citext,
                volume        citext,
                destination   citext,
                target_kind   text        NOT NULL,
                target_id     text,
                started       timestamptz NOT NULL,
                ended         timestamptz,
                attempts      integer     NOT NULL,
                error         text,
                owner         text,
                details       text,
                recovery      text,
                recovery_note text
            );
            CREATE INDEX ix_operations_state ON operations (state, started);
            CREATE INDEX ix_operations_volume ON operations (backend, volume, started);
            CREATE INDEX ix_operations_destination ON operations (destination, started) WHERE destination IS NOT NULL;

            CREATE TABLE events (
                sequence     bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                time         timestamptz NOT NULL,
                kind         text        NOT NULL,
                backend      citext,
                volume       citext,
                target_kind  text,
                target_id    text,
                bytes        bigint,
                operation_id text,
                message      text,
                "user"       text,
                host         text
            );

            CREATE TABLE secondary_storages (
                name          citext      NOT NULL PRIMARY KEY,
                kind          text        NOT NULL,
                path          text        NOT NULL,
                chunk_size    integer     NOT NULL,
                compression   text        NOT NULL,
                registered    timestamptz NOT NULL,
                repository_id citext
            );
            CREATE UNIQUE INDEX ux_secondary_storages_repository ON secondary_storages (repository_id) WHERE repository_id IS NOT NULL;

            CREATE TABLE copies (
                id            text        NOT NULL PRIMARY KEY,
                destination   citext      NOT NULL REFERENCES secondary_storages (name) ON DELETE RESTRICT ON UPDATE RESTRICT,
                backend       citext      NOT NULL,
                volume        citext      NOT NULL,
                volume_id     text,
                snapshot_id   text        NOT NULL,
                snapshot_name text,
                state         text        NOT NULL,
                base_copy_id  text,
                size          bigint      NOT NULL DEFAULT 0,
                bytes_read    bigint      NOT NULL DEFAULT 0,
                bytes_written bigint      NOT NULL DEFAULT 0,
                bytes_changed bigint      NOT NULL DEFAULT 0,
                duration_ms   bigint      NOT NULL DEFAULT 0,
                image_sha256  text,
                created       timestamptz NOT NULL,
                completed     timestamptz,
                error         text
            );
            CREATE INDEX ix_copies_snapshot ON copies (snapshot_id, destination);
            CREATE INDEX ix_copies_volume ON copies (volume_id, destination, created);
            CREATE INDEX ix_copies_destination ON copies (destination, created);

            CREATE TABLE snapshot_policies (
                id         text        NOT NULL PRIMARY KEY,
                name       citext      NOT NULL UNIQUE,
                definition text        NOT NULL,
                created    timestamptz NOT NULL,
                updated    timestamptz NOT NULL
            );

            CREATE TABLE policy_copies (
                copy_id text        NOT NULL PRIMARY KEY,
                policy  citext      NOT NULL,
                slot    timestamptz NOT NULL
            );
            CREATE INDEX ix_policy_copies_policy ON policy_copies (policy);
            """),
        // SQLite M0009 (M0008 was never used): each secondary storage's properties as a JSON object (S3).
        new(9, "properties of secondary storages", """
            ALTER TABLE secondary_storages ADD COLUMN properties text;
            """),
    ];
}
