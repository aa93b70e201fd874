using System.Management.Automation;

namespace StorageSnapshot.Commands.Cmdlets;

/// <summary>Turns the engine's typed errors into PowerShell error records with their stable ids.</summary>
internal static class ErrorRecords
{
    /// <summary>
    /// The record for <paramref name="error"/>: its ErrorId (PowerShell appends ",&lt;cmdlet type&gt;" to make the
    /// FullyQualifiedErrorId, so it starts with the id scripts catch), the category named by its
    /// <see cref="ErrorKind"/>, and the object it is about as target (the item being processed when the engine
    /// named none), and what to do about it as RecommendedAction (<see cref="PowerShellAdvice"/>).
    /// </summary>
    public static ErrorRecord From(StorageSnapshotException error, object? fallbackTarget = null)
    {
        var category = Enum.TryParse<ErrorCategory>(error.Kind.ToString(), ignoreCase: false, out var parsed)
            ? parsed
            : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(error, error.ErrorId, category, error.Target ?? fallbackTarget);
        if (PowerShellAdvice.For(error) is { Length: > 0 } advice)
        {
            record.ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = advice };
        }
        return record;
    }

    /// <summary>A record for an argument problem the cmdlet finds itself (before calling the engine).</summary>
    public static ErrorRecord InvalidArgument(string message, object? target) =>
        From(new ValidationException(ErrorIds.InvalidArgument, message, target));
}
