namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>Where each cmdlet's page is online (the HelpUri that Get-Help -Online opens): docs/&lt;Verb-Noun&gt;.md.</summary>
internal static class HelpLinks
{
    public const string Base = "https://github.com/storagesnapshot/StorageSnapshot/blob/main/docs/";
}
