using System.Management.Automation;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Parameters;

/// <summary>-Credential as the engine takes it. The secret leaves the SecureString only here, on its way to be encrypted.</summary>
internal static class Credentials
{
    /// <summary>The credential's user name and password; null when none (or PSCredential.Empty) was given.</summary>
    public static BackendCredential? From(PSCredential? credential) =>
        credential is null || credential == PSCredential.Empty
            ? null
            : new BackendCredential(credential.UserName, credential.GetNetworkCredential().Password);
}
