namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>Backends, volumes, snapshots, the operation journal and the event log.</summary>
internal static class M0001InitialSchema
{
    // Lineage columns (parent_id, created_from_snapshot_id, head_snapshot_id) are deliberately not foreign keys:
    // they record history and may name a snapshot that has since been deleted; the engine decides re-parenting
    // and SnapshotHasDependents. Operations and events name backends and volumes by value for the same reason:
    // the journal and the audit log must outlive what they describe.
    public static SqliteMigration Migration { get; } = new(1, "initial schema", """
        CREATE TABLE backends (
            name        TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
            driver      TEXT    NOT NULL,
            properties  TEXT    NOT NULL DEFAULT '{}',
            maintenance INTEGER NOT NULL DEFAULT 0 CHECK (maintenance IN (0, 1)),
            reason      TEXT,
            registered  INTEGER NOT NULL
        );

        CREATE TABLE volumes (
            id                       TEXT    NOT NULL PRIMARY KEY,
            backend                  TEXT    NOT NULL COLLATE NOCASE REFERENCES backends (name) ON DELETE RESTRICT,
            name                     TEXT    NOT NULL COLLATE NOCASE,
            size                     INTEGER NOT NULL CHECK (size >= 0),
            state                    TEXT    NOT NULL,
            location                 TEXT,
            driver_ref               TEXT,
            created                  INTEGER NOT NULL,
            created_from_snapshot_id TEXT,
            head_snapshot_id         TEXT,
            error                    TEXT,
            UNIQUE (backend, name)
        );
        CREATE INDEX ix_volumes_created_from ON volumes (created_from_snapshot_id) WHERE created_from_snapshot_id IS NOT NULL;

        CREATE TABLE snapshots (
            id           TEXT    NOT NULL PRIMARY KEY,
            volume_id    TEXT    NOT NULL REFERENCES volumes (id) ON DELETE RESTRICT,
            name         TEXT    NOT NULL COLLATE NOCASE,
            created      INTEGER NOT NULL,
            size         INTEGER NOT NULL CHECK (size >= 0),
            state        TEXT    NOT NULL,
            description  TEXT,
            tags         TEXT    NOT NULL DEFAULT '{}',
            expires      INTEGER,
            client_token TEXT,
            parent_id    TEXT,
            driver_ref   TEXT,
            location     TEXT,
            details      TEXT    NOT NULL DEFAULT '{}',
            error        TEXT,
            UNIQUE (volume_id, name)
        );
        -- One volume's snapshots, oldest first, is the hot path: id in the key makes the ORDER BY free.
        CREATE INDEX ix_snapshots_volume_created ON snapshots (volume_id, created, id);
        CREATE UNIQUE INDEX ux_snapshots_client_token ON snapshots (volume_id, client_token) WHERE client_token IS NOT NULL;
        CREATE INDEX ix_snapshots_parent ON snapshots (parent_id) WHERE parent_id IS NOT NULL;
        CREATE INDEX ix_snapshots_expires ON snapshots (expires) WHERE expires IS NOT NULL;

        CREATE TABLE operations (
            id          TEXT    NOT NULL PRIMARY KEY,
            kind        TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            backend     TEXT    NOT NULL COLLATE NOCASE,
            volume      TEXT    COLLATE NOCASE,
            target_type TEXT,
            target_id   TEXT,
            started     INTEGER NOT NULL,
            ended       INTEGER,
            attempts    INTEGER NOT NULL,
            error       TEXT,
            owner       TEXT,
            details     TEXT    NOT NULL DEFAULT '{}'
        );
        CREATE INDEX ix_operations_state ON operations (state, started);
        CREATE INDEX ix_operations_volume ON operations (backend, volume, started);

        CREATE TABLE events (
            sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
            time         INTEGER NOT NULL,
            kind         TEXT    NOT NULL,
            backend      TEXT    COLLATE NOCASE,
            volume       TEXT    COLLATE NOCASE,
            target_type  TEXT,
            target_id    TEXT,
            bytes        INTEGER,
            operation_id TEXT,
            message      TEXT
        );
        """);
}
