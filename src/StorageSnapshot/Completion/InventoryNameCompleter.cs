using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using StorageSnapshot.Engine.Facade;

namespace StorageSnapshot.Commands.Completion;

/// <summary>
/// Tab completion of names from the inventory. It opens the inventory read-only (<see cref="InventoryNames"/>: no
/// migration, no dead-operation scan, nothing written, nothing created when there is none) and asks for what
/// starts with the word typed, narrowed by the parameters already typed and limited to <see cref="Limit"/>
/// answers, so that a keystroke costs the same with a hundred snapshots as with a hundred thousand. Completion
/// must never fail the user's keystroke: every error (a locked database, a slow disk past the time limit) yields
/// no suggestions.
/// </summary>
public abstract class InventoryNameCompleter : IArgumentCompleter
{
    /// <summary>Most suggestions offered: more are of no use in a menu, and reading them would cost time.</summary>
    private protected const int Limit = 500;

    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            using var timeout = new CancellationTokenSource(TimeLimit);
            var lookup = Task.Run(() => ListCandidatesAsync(prefix, fakeBoundParameters, timeout.Token), timeout.Token);
            // IArgumentCompleter is synchronous: the completion thread has to wait here, bounded by the time limit.
            if (!lookup.Wait(TimeLimit)) return [];
            return lookup.Result
                .Where(c => c.Value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .DistinctBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
                .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
                .Select(c => new CompletionResult(Quote(c.Value), c.ListText, CompletionResultType.ParameterValue, c.ToolTip))
                .ToArray();
        }
        catch (Exception)
        {
            return [];
        }
    }

    /// <summary>Opens the inventory read-only (only if it exists) and lists the candidates.</summary>
    private protected virtual async Task<IEnumerable<Candidate>> ListCandidatesAsync(string prefix, IDictionary boundParameters, CancellationToken cancellationToken)
    {
        var names = await InventoryNames.OpenAsync(EngineOptions.FromEnvironment(), cancellationToken).ConfigureAwait(false);
        if (names is null) return [];
        await using (names.ConfigureAwait(false))
        {
            return await ListCandidatesAsync(names, prefix, boundParameters, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What to offer: names by default; id completers override this to show what each id is.</summary>
    private protected virtual async Task<IEnumerable<Candidate>> ListCandidatesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        (await ListNamesAsync(names, prefix, boundParameters, cancellationToken).ConfigureAwait(false)).Select(name => new Candidate(name, name, name));

    /// <summary>The names starting with <paramref name="prefix"/> to offer.</summary>
    private protected virtual Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>The string values of an already typed parameter (for narrowing: volumes of -Backend lab).</summary>
    private protected static IReadOnlyList<string>? Bound(IDictionary boundParameters, string name)
    {
        if (!boundParameters.Contains(name)) return null;
        var value = boundParameters[name];
        if (value is PSObject wrapped) value = wrapped.BaseObject;
        return value switch
        {
            null => null,
            string s => [s],
            Backend b => [b.Name],
            Volume v => [v.Name],
            SecondaryStorage d => [d.Name],
            IEnumerable many => many.Cast<object?>().Select(o => o is PSObject p ? p.BaseObject : o)
                .Select(o => o switch { Backend b => b.Name, Volume v => v.Name, SecondaryStorage d => d.Name, _ => o?.ToString() })
                .OfType<string>().ToArray(),
            _ => [value.ToString() ?? ""],
        };
    }

    /// <summary>One suggestion: the value inserted, the text shown in the list, the tooltip.</summary>
    private protected sealed record Candidate(string Value, string ListText, string ToolTip);

    // Names follow NameRules (letters, digits, '.', '_', '-') so quoting is rarely needed; it is still done
    // when a name would otherwise be parsed as something else.
    private static string Quote(string name) =>
        name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-') && !name.StartsWith('-')
            ? name
            : "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Completes backend names.</summary>
public sealed class BackendNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.BackendNamesAsync(prefix, Limit, cancellationToken);
}

/// <summary>Completes volume names (only on the backends already given with -Backend, if any).</summary>
public sealed class VolumeNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.VolumeNamesAsync(prefix, Bound(boundParameters, "Backend"), Limit, cancellationToken);
}

/// <summary>Completes snapshot names (narrowed by -Volume and -Backend when they are already typed).</summary>
public sealed class SnapshotNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.SnapshotNamesAsync(prefix, Bound(boundParameters, "Volume"), Bound(boundParameters, "Backend"), Limit, cancellationToken);
}

/// <summary>Completes driver names (from the engine's driver registry: no inventory needed).</summary>
public sealed class DriverNameCompleter : InventoryNameCompleter
{
    private protected override Task<IEnumerable<Candidate>> ListCandidatesAsync(string prefix, IDictionary boundParameters, CancellationToken cancellationToken) =>
        Task.FromResult(EngineOptions.FromEnvironment().Drivers.All.Select(d => new Candidate(d.Descriptor.Name, d.Descriptor.Name, d.Descriptor.Description)));
}

/// <summary>Completes volume ids, showing each volume's backend and name.</summary>
public sealed class VolumeIdCompleter : InventoryNameCompleter
{
    private protected override async Task<IEnumerable<Candidate>> ListCandidatesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        (await names.VolumeIdsAsync(prefix, Bound(boundParameters, "Backend"), Limit, cancellationToken).ConfigureAwait(false))
            .Select(v => new Candidate(v.Id, $"{v.Id} ({v.Backend}/{v.Name})", $"volume '{v.Name}' on backend '{v.Backend}'"));
}

/// <summary>Completes snapshot ids (narrowed by -Volume and -Backend), showing each snapshot's volume and name.</summary>
public sealed class SnapshotIdCompleter : InventoryNameCompleter
{
    private protected override async Task<IEnumerable<Candidate>> ListCandidatesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        (await names.SnapshotIdsAsync(prefix, Bound(boundParameters, "Volume"), Bound(boundParameters, "Backend"), Limit, cancellationToken).ConfigureAwait(false))
            .Select(s => new Candidate(s.Id, $"{s.Id} ({s.Volume}/{s.Name})", $"snapshot '{s.Name}' of volume '{s.Volume}' on backend '{s.Backend}'"));
}

/// <summary>Completes copy ids (narrowed by -Destination), showing each copy's snapshot and destination.</summary>
public sealed class CopyIdCompleter : InventoryNameCompleter
{
    private protected override async Task<IEnumerable<Candidate>> ListCandidatesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        (await names.CopyIdsAsync(prefix, Bound(boundParameters, "Destination"), Limit, cancellationToken).ConfigureAwait(false))
            .Select(c => new Candidate(c.Id, $"{c.Id} ({c.Volume}/{c.Name} on {c.Destination})", $"copy of snapshot '{c.Name}' of volume '{c.Volume}' on '{c.Destination}'"));
}

/// <summary>Completes the names copies go by: the names of the snapshots copied (narrowed by -Destination and -Volume).</summary>
public sealed class CopyNameCompleter : InventoryNameCompleter
{
    private protected override Task<IReadOnlyList<string>> ListNamesAsync(InventoryNames names, string prefix, IDictionary boundParameters,
        CancellationToken cancellationToken) =>
        names.CopyNamesAsync(prefix, Bound(boundParameters, "Destination"), Bound(boundParameters, "Volume"), Limit, cancellationToken);
}
