namespace StorageSnapshot.Demo;

/// <summary>Prints what the engine reports, the way PowerShell would show -Verbose, warnings and errors.</summary>
internal sealed class ConsoleOutput(bool verbose) : IOperationOutput
{
    private readonly object gate = new();

    public void WriteVerbose(string message)
    {
        if (verbose) Write(ConsoleColor.DarkGray, "VERBOSE: " + message);
    }

    public void WriteWarning(string message) => Write(ConsoleColor.Yellow, "WARNING: " + message);

    public void WriteProgress(ProgressInfo progress)
    {
        if (progress.Completed || verbose) Write(ConsoleColor.DarkCyan, $"  [{progress.Activity}] {progress.Status}");
    }

    public void WriteError(StorageSnapshotException error) => Write(ConsoleColor.Red, $"ERROR [{error.ErrorId}]: {error.Message}");

    private void Write(ConsoleColor color, string text)
    {
        lock (gate)
        {
            var previous = Console.ForegroundColor;
            Console.ForegroundColor = color;
            Console.WriteLine(text);
            Console.ForegroundColor = previous;
        }
    }
}
