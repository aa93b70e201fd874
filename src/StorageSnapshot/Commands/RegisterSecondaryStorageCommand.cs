using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;
using StorageSnapshot.Engine.Secondary.Repository;

namespace StorageSnapshot.Commands;

/// <summary>
/// Register-SecondaryStorage: records a directory (a local disk or a mounted NFS/SMB share) as a copy
/// destination. The directory holds a repository already, or is empty (a repository is created in it), or is
/// created with -Create; anything else is refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "SecondaryStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Base + "Register-SecondaryStorage.md")]
[OutputType(typeof(SecondaryStorage))]
public sealed class RegisterSecondaryStorageCommand : StorageSnapshotCmdlet
{
    /// <summary>The new secondary storage's name (unique, case-insensitive).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The repository directory (a file-system path); relative paths resolve against the current location.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Create the directory when it does not exist (without it a mistyped or unmounted path is an error).</summary>
    [Parameter]
    public SwitchParameter Create { get; set; }

    /// <summary>Chunk size of a new repository in bytes (a power of two from 64KB to 64MB; default 4MB).</summary>
    [Parameter]
    [ValidateRange(65536, 67108864)]
    public int ChunkSizeBytes { get; set; } = RepositoryFormat.DefaultChunkSize;

    /// <summary>Chunk compression of a new repository: None (default), Deflate or Brotli.</summary>
    [Parameter]
    public ChunkCompression Compression { get; set; } = ChunkCompression.None;

    /// <summary>Writes the registered secondary storage.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var path = ProviderPaths.Resolve(this, Path, "-Path", out var pathError);
        if (path is null)
        {
            WriteError(pathError!);
            return;
        }
        var request = new RegisterSecondaryStorageRequest(Name, path)
        {
            CreateDirectory = Create,
            ChunkSizeBytes = ChunkSizeBytes,
            Compression = Compression,
        };
        if (TryRun((engine, context) => engine.RegisterSecondaryStorageAsync(request, context), Name, out var storage) && storage is not null && PassThru)
        {
            WriteObject(storage);
        }
    }
}
