namespace StorageSnapshot.Engine.Platform;

/// <summary>Temporary files left on a failure path or after a lost race: removed if possible, never a new failure.</summary>
internal static class StrayFiles
{
    /// <summary>
    /// Deletes <paramref name="path"/> (already gone is fine); an I/O or permission error is swallowed, because the
    /// caller's own error or result matters more and a stray temporary harms nothing — each has a name of its own,
    /// no listing shows it, and the next cleanup of its folder removes it.
    /// </summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
