namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>Secondary storages and the copies of snapshots on them.</summary>
internal static class M0002SecondaryStorage
{
    // A copy names its snapshot and volume by id and by value but without foreign keys: a copy outlives the
    // snapshot it was made from (that is what it is for). Its destination is a foreign key: a storage with
    // recorded copies cannot be unregistered.
    public static SqliteMigration Migration { get; } = new(2, "secondary storage and copies", """
        CREATE TABLE secondary_storages (
            name        TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
            kind        TEXT    NOT NULL,
            path        TEXT    NOT NULL,
            chunk_size  INTEGER NOT NULL,
            compression TEXT    NOT NULL,
            registered  INTEGER NOT NULL
        );

        CREATE TABLE copies (
            id            TEXT    NOT NULL PRIMARY KEY,
            destination   TEXT    NOT NULL COLLATE NOCASE REFERENCES secondary_storages (name) ON DELETE RESTRICT,
            backend       TEXT    NOT NULL COLLATE NOCASE,
            volume        TEXT    NOT NULL COLLATE NOCASE,
            volume_id     TEXT,
            snapshot_id   TEXT    NOT NULL,
            snapshot_name TEXT,
            state         TEXT    NOT NULL,
            base_copy_id  TEXT,
            size          INTEGER NOT NULL DEFAULT 0,
            bytes_read    INTEGER NOT NULL DEFAULT 0,
            bytes_written INTEGER NOT NULL DEFAULT 0,
            bytes_changed INTEGER NOT NULL DEFAULT 0,
            duration_ms   INTEGER NOT NULL DEFAULT 0,
            image_sha256  TEXT,
            created       INTEGER NOT NULL,
            completed     INTEGER,
            error         TEXT
        );
        CREATE INDEX ix_copies_snapshot ON copies (snapshot_id, destination);
        CREATE INDEX ix_copies_volume ON copies (volume_id, destination, created);
        CREATE INDEX ix_copies_destination ON copies (destination, created);
        """);
}
