using System.Management.Automation;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>The inventory named by Set-/Move-StorageInventory's parameters (-ConnectionString [-Credential] | -Path | -Default).</summary>
internal static class InventoryTargets
{
    /// <summary>The target the parameter set names.</summary>
    public static InventoryTarget From(PSCmdlet cmdlet, string parameterSet, string? connectionString, PSCredential? credential, string? path)
    {
        switch (parameterSet)
        {
            case "PostgreSql":
                var given = Credentials.From(credential);
                return InventoryTarget.PostgreSql(connectionString!, given?.UserName, given?.Secret);
            case "Path":
                // Relative to the current PowerShell location (a provider path), like every -Path.
                return InventoryTarget.Sqlite(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path!));
            default:
                return InventoryTarget.Default;
        }
    }
}
