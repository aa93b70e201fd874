using System.Globalization;

namespace StorageSnapshot.Engine.Drivers.CephRbd;

/// <summary>
/// The properties of a ceph-rbd backend: their schema (what Register-StorageBackend validates, one message per
/// problem) and, once valid, the typed settings a connection is made from.
/// </summary>
internal sealed record CephRbdSettings
{
    public const string PoolProperty = "Pool";
    public const string NamespaceProperty = "Namespace";
    public const string ConfigFileProperty = "ConfigFile";
    public const string MonitorHostsProperty = "MonitorHosts";
    public const string UserProperty = "User";
    public const string KeyringProperty = "Keyring";
    public const string KeyProperty = "Key";
    public const string DataPoolProperty = "DataPool";
    public const string TimeoutSecondsProperty = "TimeoutSeconds";
    public const string CloneFormatProperty = "CloneFormat";

    /// <summary>How long a call may go without an answer from the cluster, by default.</summary>
    public const int DefaultTimeoutSeconds = 60;

    /// <summary>The schema Get-StorageDriver shows.</summary>
    public static PropertySchema Schema { get; } = new(
        new PropertyDefinition(PoolProperty, PropertyType.String,
            "The RBD pool that holds the backend's images (it must exist and have the rbd application enabled: `rbd pool init <pool>`). Cannot change while the backend has volumes.",
            Required: true, LocatesData: true, Validate: ObjectName),
        new PropertyDefinition(NamespaceProperty, PropertyType.String,
            "An RBD namespace inside the pool (`rbd namespace create <pool>/<namespace>`), to keep the backend's images apart from others in the same pool. Empty: the pool's default namespace. Cannot change while the backend has volumes.",
            LocatesData: true, Validate: ObjectName),
        new PropertyDefinition(ConfigFileProperty, PropertyType.Path,
            "A ceph.conf to read: monitors, authentication and client settings (its keyring is used unless Keyring or Key is given). ConfigFile or MonitorHosts is required."),
        new PropertyDefinition(MonitorHostsProperty, PropertyType.String,
            "Monitor addresses, as in ceph.conf's mon_host: '10.0.0.1,10.0.0.2:6789' or '[v2:10.0.0.1:3300,v1:10.0.0.1:6789]'. Overrides the ConfigFile's. ConfigFile or MonitorHosts is required.",
            Validate: CheckMonitorHosts),
        new PropertyDefinition(UserProperty, PropertyType.String,
            "The cephx user, without 'client.' (written with it, it is taken off): it needs 'profile rbd' on the pool (and on DataPool).",
            DefaultValue: "admin", Validate: UserName, Canonicalize: value => value.StartsWith("client.", StringComparison.Ordinal) ? value["client.".Length..] : value,
            Credential: CredentialPart.UserName),
        new PropertyDefinition(KeyringProperty, PropertyType.Path,
            "A keyring file holding the user's key. Give Keyring or Key (or neither, when the ConfigFile names the keyring), not both."),
        new PropertyDefinition(KeyProperty, PropertyType.String,
            "The user's cephx key (base64, as `ceph auth get-key client.<user>` prints it). Secret: stored encrypted, never shown; a backend credential's password fills it.",
            Secret: true, Validate: CephxKey, Credential: CredentialPart.Password),
        new PropertyDefinition(DataPoolProperty, PropertyType.String,
            "A pool for the data of images the backend creates (an erasure-coded or faster pool); their metadata stays in Pool. Applies to images made from then on.",
            Validate: ObjectName),
        new PropertyDefinition(TimeoutSecondsProperty, PropertyType.Integer,
            $"How long, in seconds, a connection or a single request may wait for the cluster before it fails with an error saying what is still running ({DefaultTimeoutSeconds} by default; 1 to 3600).",
            DefaultValue: DefaultTimeoutSeconds.ToString(CultureInfo.InvariantCulture), Validate: CheckTimeout),
        new PropertyDefinition(CloneFormatProperty, PropertyType.String,
            "How clones are made: 'auto' (the default: clone format 2, which needs no protected snapshot, when the cluster requires Mimic or newer clients, else format 1), '2' or '1' (the parent snapshot is protected while it has clones, and unprotected when it is removed).",
            DefaultValue: "auto", Validate: CheckCloneFormat, Canonicalize: value => value.ToLowerInvariant()));

    public required string Pool { get; init; }
    public string? Namespace { get; init; }
    public string? ConfigFile { get; init; }
    public string? MonitorHosts { get; init; }
    public required string User { get; init; }
    public string? Keyring { get; init; }
    public string? Key { get; init; }
    public string? DataPool { get; init; }
    public required TimeSpan Timeout { get; init; }

    /// <summary>0 for auto, else 1 or 2.</summary>
    public int CloneFormat { get; init; }

    /// <summary>"rbd:pool" or "rbd:pool/namespace": the prefix of every Location of the backend.</summary>
    public string LocationPrefix => Locations.Of(Pool, Namespace);

    /// <summary>The settings of properties that passed the schema (missing optional ones are null).</summary>
    public static CephRbdSettings From(IReadOnlyDictionary<string, string> properties)
    {
        string? Get(string name) => properties.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        var pool = Get(PoolProperty) ?? throw new ArgumentException($"The properties name no '{PoolProperty}'.", nameof(properties));
        var seconds = long.TryParse(Get(TimeoutSecondsProperty), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultTimeoutSeconds;
        return new CephRbdSettings
        {
            Pool = pool,
            Namespace = Get(NamespaceProperty),
            ConfigFile = Get(ConfigFileProperty),
            MonitorHosts = Get(MonitorHostsProperty),
            User = Get(UserProperty) ?? "admin",
            Keyring = Get(KeyringProperty),
            Key = Get(KeyProperty),
            DataPool = Get(DataPoolProperty),
            Timeout = TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 3600)),
            CloneFormat = Get(CloneFormatProperty) switch { "1" => 1, "2" => 2, _ => 0 },
        };
    }

    /// <summary>What the schema cannot check alone: combinations of properties. One sentence per problem.</summary>
    public IReadOnlyList<string> CombinationProblems()
    {
        var problems = new List<string>();
        if (ConfigFile is null && MonitorHosts is null)
            problems.Add($"Give '{ConfigFileProperty}' (a ceph.conf) or '{MonitorHostsProperty}' (the monitors' addresses): without either the cluster cannot be found.");
        if (Keyring is not null && Key is not null)
            problems.Add($"Give '{KeyringProperty}' or '{KeyProperty}', not both: they would say two things about the user's key.");
        return problems;
    }

    private static string? ObjectName(string value) =>
        value.Any(c => c is '/' or '@' || char.IsControl(c) || char.IsWhiteSpace(c))
            ? $"'{value}' cannot be a Ceph pool or namespace name here: it must not contain '/', '@', spaces or control characters."
            : value.Length > 255 ? "is longer than 255 characters." : null;

    private static string? CheckMonitorHosts(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or ',' or '[' or ']' or '-' or '_' or ' ' or ';' or '/')
            ? null
            : $"'{value}' is not a list of monitor addresses (host, host:port or [v2:ip:port,v1:ip:port], separated by commas).";

    private static string? UserName(string value) =>
        value.Length == 0 || value == "client." || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@')
            ? $"'{value}' is not a cephx user id (for example 'admin' or 'cinder')."
            : null;

    private static string? CephxKey(string value)
    {
        // The value is never quoted back (the engine also masks it): only its shape is described.
        try
        {
            var bytes = Convert.FromBase64String(value);
            return bytes.Length >= 12 ? null : "is too short to be a cephx key (base64 of at least 12 bytes, as `ceph auth get-key` prints it).";
        }
        catch (FormatException)
        {
            return "is not a cephx key: it must be base64, as `ceph auth get-key client.<user>` prints it.";
        }
    }

    private static string? CheckTimeout(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 3600
            ? null
            : $"must be between 1 and 3600 seconds; got {value}.";

    private static string? CheckCloneFormat(string value) =>
        value.ToLowerInvariant() is "auto" or "1" or "2" ? null : $"must be 'auto', '1' or '2'; got '{value}'.";
}
