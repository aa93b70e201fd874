namespace StorageSnapshot.Engine.Inventory.Sqlite.Migrations;

/// <summary>
/// The typed journal (issue 9). Operations: backend may be empty (an operation on secondary storage alone), a
/// destination column names the secondary storage an operation involves, target_type becomes target_kind (a
/// <see cref="TargetKind"/> name), and details — until now a flat bag of strings — become the versioned JSON of the
/// kind's details record (<see cref="Operations.Journal.OperationDetailsJson"/>): the same member names, with
/// empty references as null and "dataRestored" as a boolean. SQLite cannot change a column's nullability, so the
/// table is rebuilt. Events: kinds glued from prefixes ("snapshot.created", "copy.failed") become
/// <see cref="EventKind"/> names, and target_type becomes target_kind. Secondary storages: kind and compression
/// are stored as <see cref="SecondaryStorageKind"/> and <see cref="ChunkCompression"/> names like every enum.
/// </summary>
internal static class M0004TypedJournal
{
    public static SqliteMigration Migration { get; } = new(4, "typed journal, event kinds and secondary storage enums", """
        CREATE TABLE operations_typed (
            id          TEXT    NOT NULL PRIMARY KEY,
            kind        TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            backend     TEXT    COLLATE NOCASE,
            volume      TEXT    COLLATE NOCASE,
            destination TEXT    COLLATE NOCASE,
            target_kind TEXT    NOT NULL,
            target_id   TEXT,
            started     INTEGER NOT NULL,
            ended       INTEGER,
            attempts    INTEGER NOT NULL,
            error       TEXT,
            owner       TEXT,
            details     TEXT
        );

        INSERT INTO operations_typed (id, kind, state, backend, volume, destination, target_kind, target_id, started, ended, attempts, error, owner, details)
        SELECT id, kind, state, backend, volume,
               CASE WHEN kind IN ('CopyToSecondary', 'RestoreFromCopy', 'DeleteCopy') THEN json_extract(details, '$.destination') END,
               coalesce(target_type, CASE
                   WHEN kind IN ('CreateVolume', 'CloneVolume', 'DeleteVolume', 'RestoreFromCopy') THEN 'Volume'
                   WHEN kind IN ('CopyToSecondary', 'DeleteCopy') THEN 'Copy'
                   ELSE 'Snapshot' END),
               target_id, started, ended, attempts, error, owner,
               CASE kind
                   WHEN 'CreateVolume' THEN json_object('version', 1,
                       'volumeName', coalesce(json_extract(details, '$.volumeName'), ''))
                   WHEN 'CloneVolume' THEN json_object('version', 1,
                       'volumeName', coalesce(json_extract(details, '$.volumeName'), ''),
                       'sourceSnapshotId', coalesce(json_extract(details, '$.sourceSnapshotId'), ''),
                       'sourceSnapshotReference', nullif(json_extract(details, '$.sourceSnapshotReference'), ''))
                   WHEN 'DeleteVolume' THEN json_object('version', 1,
                       'volumeName', coalesce(json_extract(details, '$.volumeName'), ''),
                       'volumeReference', nullif(json_extract(details, '$.volumeReference'), ''))
                   WHEN 'CreateSnapshot' THEN json_object('version', 1,
                       'snapshotKey', coalesce(json_extract(details, '$.snapshotKey'), target_id, ''),
                       'volumeId', coalesce(json_extract(details, '$.volumeId'), ''),
                       'volumeReference', nullif(json_extract(details, '$.volumeReference'), ''))
                   WHEN 'RevertSnapshot' THEN json_object('version', 1,
                       'volumeId', coalesce(json_extract(details, '$.volumeId'), ''),
                       'volumeReference', nullif(json_extract(details, '$.volumeReference'), ''),
                       'snapshotReference', nullif(json_extract(details, '$.snapshotReference'), ''),
                       'previousHeadSnapshotId', nullif(json_extract(details, '$.previousHeadSnapshotId'), ''))
                   WHEN 'DeleteSnapshot' THEN json_object('version', 1,
                       'snapshotKey', coalesce(json_extract(details, '$.snapshotKey'), target_id, ''),
                       'snapshotReference', nullif(json_extract(details, '$.snapshotReference'), ''),
                       'volumeId', coalesce(json_extract(details, '$.volumeId'), ''))
                   WHEN 'CopyToSecondary' THEN json_object('version', 1,
                       'snapshotId', coalesce(json_extract(details, '$.snapshotId'), ''),
                       'destination', coalesce(json_extract(details, '$.destination'), ''),
                       'repository', coalesce(json_extract(details, '$.repository'), ''))
                   WHEN 'RestoreFromCopy' THEN json_object('version', 1,
                       'mode', coalesce(json_extract(details, '$.mode'), 'NewVolume'),
                       'copyId', coalesce(json_extract(details, '$.copyId'), ''),
                       'copySnapshotId', coalesce(json_extract(details, '$.copySnapshotId'), ''),
                       'destination', coalesce(json_extract(details, '$.destination'), ''),
                       'repository', coalesce(json_extract(details, '$.repository'), ''),
                       'volumeName', nullif(json_extract(details, '$.volumeName'), ''),
                       'volumeId', nullif(json_extract(details, '$.volumeId'), ''),
                       'volumeReference', nullif(json_extract(details, '$.volumeReference'), ''),
                       'safetySnapshotKey', nullif(json_extract(details, '$.safetySnapshotKey'), ''),
                       'safetySnapshotReference', nullif(json_extract(details, '$.safetySnapshotReference'), ''),
                       'safetySnapshotLocation', nullif(json_extract(details, '$.safetySnapshotLocation'), ''),
                       'dataRestored', json(CASE WHEN json_extract(details, '$.dataRestored') = 'true' THEN 'true' ELSE 'false' END))
                   WHEN 'DeleteCopy' THEN json_object('version', 1,
                       'copyId', coalesce(json_extract(details, '$.copyId'), target_id, ''),
                       'destination', coalesce(json_extract(details, '$.destination'), ''),
                       'repository', coalesce(json_extract(details, '$.repository'), ''))
               END
        FROM operations;

        DROP TABLE operations;
        ALTER TABLE operations_typed RENAME TO operations;
        CREATE INDEX ix_operations_state ON operations (state, started);
        CREATE INDEX ix_operations_volume ON operations (backend, volume, started);
        CREATE INDEX ix_operations_destination ON operations (destination, started) WHERE destination IS NOT NULL;

        ALTER TABLE events RENAME COLUMN target_type TO target_kind;
        UPDATE events SET kind = CASE
            WHEN kind = 'backend.registered' THEN 'BackendRegistered'
            WHEN kind = 'backend.updated' THEN 'BackendUpdated'
            WHEN kind = 'backend.maintenance-on' THEN 'BackendMaintenanceOn'
            WHEN kind = 'backend.maintenance-off' THEN 'BackendMaintenanceOff'
            WHEN kind = 'backend.unregistered' THEN 'BackendUnregistered'
            WHEN kind = 'volume.created' THEN 'VolumeCreated'
            WHEN kind = 'volume.cloned' THEN 'VolumeCloned'
            WHEN kind = 'volume.restored' THEN 'VolumeRestored'
            WHEN kind = 'volume.deleted' THEN 'VolumeDeleted'
            WHEN kind = 'snapshot.created' THEN 'SnapshotCreated'
            WHEN kind = 'snapshot.updated' THEN 'SnapshotUpdated'
            WHEN kind = 'snapshot.reverted' THEN 'SnapshotReverted'
            WHEN kind = 'snapshot.deleted' THEN 'SnapshotDeleted'
            WHEN kind IN ('copy.done', 'copy.created') THEN 'CopyCreated'
            WHEN kind = 'copy.deleted' THEN 'CopyDeleted'
            WHEN kind = 'secondary.failed-copies-removed' THEN 'FailedCopiesRemoved'
            WHEN kind = 'operation.needs-recovery' THEN 'OperationNeedsRecovery'
            WHEN kind LIKE '%.failed' THEN 'OperationFailed'
            WHEN kind LIKE '%.cancelled' THEN 'OperationCancelled'
            ELSE kind END;

        UPDATE secondary_storages SET
            kind = CASE lower(kind) WHEN 'filesystem' THEN 'FileSystem' ELSE kind END,
            compression = CASE lower(compression) WHEN 'none' THEN 'None' WHEN 'deflate' THEN 'Deflate' WHEN 'brotli' THEN 'Brotli' ELSE compression END;
        """);
}
