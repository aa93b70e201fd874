namespace StorageSnapshot;

/// <summary>
/// Base of every error the engine raises on purpose. Carries the stable <see cref="ErrorId"/>, the category the
/// cmdlet reports and the object the error is about (the cmdlet uses it as the ErrorRecord's target).
/// </summary>
public class StorageSnapshotException : Exception
{
    /// <summary>Creates an error.</summary>
    public StorageSnapshotException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>One of <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }

    /// <summary>The category the cmdlet reports.</summary>
    public ErrorKind Kind { get; }

    /// <summary>What the error is about: the object, or the name or id that was asked for.</summary>
    public object? Target { get; }

    /// <summary>
    /// What the user can do about it, in plain words that name no command (for front ends that do not know
    /// <see cref="Hint"/>'s code), when there is something to say.
    /// </summary>
    public string? RecommendedAction { get; init; }

    /// <summary>
    /// The same advice as a code and arguments, which a front end words in its own terms (the cmdlets: a
    /// PowerShell command line). Null when there is no such action.
    /// </summary>
    public ErrorHint? Hint { get; init; }
}

/// <summary>Something asked for by name or id does not exist.</summary>
public sealed class ObjectNotFoundException : StorageSnapshotException
{
    /// <summary>Creates the error; <paramref name="errorId"/> is SnapshotNotFound, VolumeNotFound, ....</summary>
    public ObjectNotFoundException(string errorId, string message, object? target)
        : base(errorId, ErrorKind.ObjectNotFound, message, target) { }
}

/// <summary>Another operation holds the volume's lock past the wait timeout.</summary>
public sealed class VolumeBusyException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public VolumeBusyException(string message, object? target, string? holderOperationId)
        : base(ErrorIds.VolumeBusy, ErrorKind.ResourceBusy, message, target)
    {
        HolderOperationId = holderOperationId;
    }

    /// <summary>The journal id of the operation holding the volume, when it is known.</summary>
    public string? HolderOperationId { get; }
}

/// <summary>The backend is in maintenance mode.</summary>
public sealed class BackendInMaintenanceException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public BackendInMaintenanceException(string backend, string? reason, object? target)
        : base(ErrorIds.BackendInMaintenance, ErrorKind.ResourceUnavailable,
            $"Backend '{backend}' is in maintenance mode" + (string.IsNullOrWhiteSpace(reason) ? "." : $": {reason}"),
            target)
    {
        Reason = reason;
        RecommendedAction = $"Wait for maintenance to end, or switch maintenance mode of backend '{backend}' off.";
        Hint = ErrorHint.EndMaintenance(backend);
    }

    /// <summary>The reason given when maintenance was switched on.</summary>
    public string? Reason { get; }
}

/// <summary>Input failed validation: a name, a size, driver properties. Nothing was written.</summary>
public sealed class ValidationException : StorageSnapshotException
{
    /// <summary>Creates the error with one entry in <paramref name="problems"/> per problem found.</summary>
    public ValidationException(string errorId, IReadOnlyList<string> problems, object? target)
        : base(errorId, ErrorKind.InvalidArgument, string.Join(Environment.NewLine, problems), target)
    {
        Problems = problems;
    }

    /// <summary>Creates the error for a single problem.</summary>
    public ValidationException(string errorId, string problem, object? target)
        : this(errorId, new[] { problem }, target) { }

    /// <summary>One sentence per problem.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>The operation conflicts with the object's state or with other objects (dependents, existing names).</summary>
public sealed class ConflictException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public ConflictException(string errorId, string message, object? target, ErrorKind kind = ErrorKind.InvalidOperation)
        : base(errorId, kind, message, target) { }
}

/// <summary>The driver lacks a capability the operation needs and the engine has no fallback for it.</summary>
public sealed class CapabilityNotSupportedException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public CapabilityNotSupportedException(string driver, DriverCapabilities capability, string operation, object? target)
        : base(ErrorIds.CapabilityNotSupported, ErrorKind.NotImplemented,
            $"Driver '{driver}' cannot {operation}: it does not declare the {capability} capability.", target)
    {
        Capability = capability;
    }

    /// <summary>The missing capability.</summary>
    public DriverCapabilities Capability { get; }
}

/// <summary>The driver or the storage under it failed. The inner exception carries the driver's own error.</summary>
public sealed class DriverFailedException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public DriverFailedException(string message, object? target, Exception? inner = null)
        : base(ErrorIds.DriverFailed, ErrorKind.DeviceError, message, target, inner) { }
}

/// <summary>Data on secondary storage failed verification.</summary>
public sealed class CopyCorruptException : StorageSnapshotException
{
    /// <summary>Creates the error with one entry per mismatch found.</summary>
    public CopyCorruptException(string message, IReadOnlyList<string> mismatches, object? target)
        : base(ErrorIds.CopyCorrupt, ErrorKind.InvalidData, message, target)
    {
        Mismatches = mismatches;
    }

    /// <summary>Each chunk or manifest that did not match, as a sentence.</summary>
    public IReadOnlyList<string> Mismatches { get; }
}

/// <summary>The inventory cannot be used (unreadable, newer schema, locked beyond the busy timeout).</summary>
public sealed class InventoryUnavailableException : StorageSnapshotException
{
    /// <summary>Creates the error.</summary>
    public InventoryUnavailableException(string message, Exception? inner = null)
        : base(ErrorIds.InventoryUnavailable, ErrorKind.ResourceUnavailable, message, null, inner) { }
}
