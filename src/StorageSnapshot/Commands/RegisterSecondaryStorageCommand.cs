using System.Management.Automation;
using StorageSnapshot.Commands.Cmdlets;
using StorageSnapshot.Commands.Parameters;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands;

/// <summary>
/// Register-SecondaryStorage: records a copy destination — a directory (a local disk or a mounted NFS/SMB share), or
/// with -S3 a bucket and prefix on an S3-compatible server. The place holds a repository already, or is empty (a
/// repository is created in it), or (a directory) is created with -Create; anything else is refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "SecondaryStorage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ParameterSets.Directory, HelpUri = HelpLinks.Base + "Register-SecondaryStorage.md")]
[OutputType(typeof(SecondaryStorage))]
public sealed class RegisterSecondaryStorageCommand : StorageSnapshotCmdlet
{
    private const int Megabyte = 1024 * 1024;

    /// <summary>The new secondary storage's name (unique, case-insensitive).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The repository directory (a file-system path); relative paths resolve against the current location.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ParameterSets.Directory)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Create the directory when it does not exist (without it a mistyped or unmounted path is an error).</summary>
    [Parameter(ParameterSetName = ParameterSets.Directory)]
    public SwitchParameter Create { get; set; }

    /// <summary>The repository is in an S3 bucket.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.S3)]
    public SwitchParameter S3 { get; set; }

    /// <summary>The S3 server's URL: http(s)://host[:port], no path.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.S3)]
    [ValidateNotNullOrEmpty]
    public Uri? Endpoint { get; set; }

    /// <summary>The bucket (it must exist).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.S3)]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = "";

    /// <summary>The folder in the bucket that holds the repository (default: the bucket's root).</summary>
    [Parameter(ParameterSetName = ParameterSets.S3)]
    public string? Prefix { get; set; }

    /// <summary>The signing region (default us-east-1).</summary>
    [Parameter(ParameterSetName = ParameterSets.S3)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>The access key id (user name) and secret access key (password); without it, the AWS SDK's default credentials.</summary>
    [Parameter(ParameterSetName = ParameterSets.S3)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Path-style addressing (http://host/bucket/key), for servers without wildcard DNS such as most RADOS Gateways.</summary>
    [Parameter(ParameterSetName = ParameterSets.S3)]
    public SwitchParameter ForcePathStyle { get; set; }

    /// <summary>Chunk size of a new repository in bytes (a power of two from 64KB to 64MB; default 4MB).</summary>
    [Parameter]
    [ValidateRange(65536, 67108864)]
    public int ChunkSizeBytes { get; set; } = RegisterSecondaryStorageRequest.DefaultChunkSizeBytes;

    /// <summary>Chunk size of a new repository in MiB (1 to 64, a power of two); the same as -ChunkSizeBytes in MiB.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ChunkSizeMB { get; set; }

    /// <summary>Chunk compression of a new repository: None (default), Deflate or Brotli.</summary>
    [Parameter]
    public ChunkCompression Compression { get; set; } = ChunkCompression.None;

    /// <summary>Writes the registered secondary storage.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var chunkSize = ChunkSizeBytes;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ChunkSizeMB)))
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(ChunkSizeBytes)))
            {
                WriteError(new ErrorRecord(new ArgumentException("Give the chunk size once: -ChunkSizeBytes or -ChunkSizeMB, not both."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Name));
                return;
            }
            chunkSize = ChunkSizeMB * Megabyte;
        }

        RegisterSecondaryStorageRequest request;
        if (ParameterSetName == ParameterSets.S3)
        {
            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (Region is not null) properties[RegisterSecondaryStorageRequest.S3PropertyNames.Region] = Region;
            if (ForcePathStyle) properties[RegisterSecondaryStorageRequest.S3PropertyNames.ForcePathStyle] = "true";
            if (Credentials.From(Credential) is { } credential)
            {
                properties[RegisterSecondaryStorageRequest.S3PropertyNames.AccessKeyId] = credential.UserName;
                properties[RegisterSecondaryStorageRequest.S3PropertyNames.SecretAccessKey] = credential.Secret;
            }
            request = new RegisterSecondaryStorageRequest(Name, "")
            {
                Kind = SecondaryStorageKind.S3,
                Endpoint = Endpoint?.OriginalString,
                Bucket = Bucket,
                Prefix = Prefix,
                Properties = properties,
                ChunkSizeBytes = chunkSize,
                Compression = Compression,
            };
        }
        else
        {
            var path = ProviderPaths.Resolve(this, Path, "-Path", out var pathError);
            if (path is null)
            {
                WriteError(pathError!);
                return;
            }
            request = new RegisterSecondaryStorageRequest(Name, path)
            {
                CreateDirectory = Create,
                ChunkSizeBytes = chunkSize,
                Compression = Compression,
            };
        }
        if (TryRun((engine, context) => engine.RegisterSecondaryStorageAsync(request, context), Name, out var storage) && storage is not null && PassThru)
        {
            WriteObject(storage);
        }
    }
}
