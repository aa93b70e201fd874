using Microsoft.Data.Sqlite;

namespace StorageSnapshot.Engine.Inventory.Sqlite;

internal abstract partial class SqliteInventoryReader
{
    private protected const string PolicyColumns = "id, name, definition, created, updated";

    /// <inheritdoc />
    public Task<SnapshotPolicy?> GetPolicyAsync(string name, CancellationToken cancellationToken) =>
        QuerySingleAsync($"SELECT {PolicyColumns} FROM snapshot_policies WHERE name = $name",
            p => p.Set("$name", name), ReadPolicy, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SnapshotPolicy>> ListPoliciesAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {PolicyColumns} FROM snapshot_policies ORDER BY name", null, ReadPolicy, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<PolicyCopy>> ListPolicyCopiesAsync(string policy, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT copy_id, policy, slot FROM policy_copies WHERE policy = $policy ORDER BY slot, copy_id",
            p => p.Set("$policy", policy), r => new PolicyCopy(r.GetString(0), r.GetString(1), r.GetUtc(2)), cancellationToken).ConfigureAwait(false);

    private protected static SnapshotPolicy ReadPolicy(SqliteDataReader r) =>
        PolicyDefinitionJson.Read(r.GetString(2), r.GetString(0), r.GetString(1), r.GetUtc(3), r.GetUtc(4));
}
