using System.Globalization;

namespace MemServe.Cli;

/// <summary>
/// Parsed command-line options: <c>--name value</c> pairs and bare <c>--flag</c>s after the command word.
/// Every option a command reads is marked used; <see cref="ThrowIfUnused"/> rejects typos.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private CliArgs(string command) => Command = command;

    /// <summary>The command word (e.g. "generate").</summary>
    public string Command { get; }

    /// <summary>Parses <paramref name="args"/>; the first word is the command.</summary>
    public static CliArgs Parse(string[] args, IReadOnlySet<string> flagNames)
    {
        if (args.Length == 0) throw new CliUsageException("missing command");
        var parsed = new CliArgs(args[0]);
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new CliUsageException($"unexpected argument '{arg}' (options look like --name value)");
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (!flagNames.Contains(name))
            {
                if (i + 1 >= args.Length) throw new CliUsageException($"option --{name} needs a value");
                value = args[++i];
            }
            if (!parsed._options.TryAdd(name, value)) throw new CliUsageException($"option --{name} given twice");
        }
        return parsed;
    }

    /// <summary>True when the flag or option is present.</summary>
    public bool Has(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>The option's value, or null when absent.</summary>
    public string? Get(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out string? v) ? v ?? throw new CliUsageException($"option --{name} needs a value") : null;
    }

    /// <summary>The option's value; a usage error when absent.</summary>
    public string Require(string name) => Get(name) ?? throw new CliUsageException($"option --{name} is required");

    /// <summary>An integer option.</summary>
    public int? GetInt(string name)
    {
        string? v = Get(name);
        if (v is null) return null;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r)
            ? r : throw new CliUsageException($"option --{name} expects an integer, got '{v}'");
    }

    /// <summary>A 64-bit integer option.</summary>
    public long? GetLong(string name)
    {
        string? v = Get(name);
        if (v is null) return null;
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long r)
            ? r : throw new CliUsageException($"option --{name} expects an integer, got '{v}'");
    }

    /// <summary>A floating-point option.</summary>
    public double? GetDouble(string name)
    {
        string? v = Get(name);
        if (v is null) return null;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r)
            ? r : throw new CliUsageException($"option --{name} expects a number, got '{v}'");
    }

    /// <summary>A comma-separated list of integers (e.g. <c>--prompt-ids 1,2,3</c>).</summary>
    public int[]? GetIntList(string name)
    {
        string? v = Get(name);
        if (v is null) return null;
        string[] parts = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]))
                throw new CliUsageException($"option --{name} expects comma-separated integers, got '{parts[i]}'");
        }
        return ids;
    }

    /// <summary>Rejects options the command did not read (typos, options of other commands).</summary>
    public void ThrowIfUnused()
    {
        foreach (string name in _options.Keys)
        {
            if (!_used.Contains(name)) throw new CliUsageException($"unknown option --{name} for '{Command}'");
        }
    }
}

/// <summary>A command line that does not parse; printed with the usage text, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
