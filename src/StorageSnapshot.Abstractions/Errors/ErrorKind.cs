namespace StorageSnapshot;

/// <summary>
/// The PowerShell ErrorCategory an error maps to. Member names equal System.Management.Automation.ErrorCategory
/// names so the cmdlet layer maps by name without this assembly referencing PowerShell.
/// </summary>
public enum ErrorKind
{
    /// <summary>NotSpecified.</summary>
    NotSpecified,
    /// <summary>ObjectNotFound.</summary>
    ObjectNotFound,
    /// <summary>InvalidArgument.</summary>
    InvalidArgument,
    /// <summary>InvalidOperation.</summary>
    InvalidOperation,
    /// <summary>ResourceBusy.</summary>
    ResourceBusy,
    /// <summary>ResourceUnavailable.</summary>
    ResourceUnavailable,
    /// <summary>ResourceExists.</summary>
    ResourceExists,
    /// <summary>InvalidData.</summary>
    InvalidData,
    /// <summary>NotImplemented.</summary>
    NotImplemented,
    /// <summary>OperationStopped.</summary>
    OperationStopped,
    /// <summary>WriteError.</summary>
    WriteError,
    /// <summary>ReadError.</summary>
    ReadError,
    /// <summary>PermissionDenied.</summary>
    PermissionDenied,
    /// <summary>DeviceError.</summary>
    DeviceError,
}
