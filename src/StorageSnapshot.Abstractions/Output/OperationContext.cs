namespace StorageSnapshot;

/// <summary>
/// What every use case receives from its front end: where messages go, whom to ask before a change, and the
/// token that Ctrl+C (StopProcessing) cancels.
/// </summary>
public sealed record OperationContext(IOperationOutput Output, ShouldProcessCallback ShouldProcess, CancellationToken CancellationToken)
{
    /// <summary>A context that says yes to everything and discards messages (for tools and tests).</summary>
    public static OperationContext Unattended(CancellationToken cancellationToken = default) =>
        new(NullOutput.Instance, static (_, _) => true, cancellationToken);

    private sealed class NullOutput : IOperationOutput
    {
        public static readonly NullOutput Instance = new();
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) { }
        public void WriteProgress(ProgressInfo progress) { }
        public void WriteError(StorageSnapshotException error) { }
    }
}
