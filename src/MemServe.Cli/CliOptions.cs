using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MemServe.Cli;

/// <summary>
/// Factories for the typed options of <c>memserve</c> commands. Every value is parsed with the invariant culture and
/// checked where it is parsed, so a bad value is a parse error (exit code 2) whose message names the option, e.g.
/// <c>--threads must be at least 1, got 0</c>. Each call returns a new option: a command owns its options.
/// </summary>
internal static class CliOptions
{
    /// <summary>A bare switch (<c>--json</c>); false when absent.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A free-text option; null when absent.</summary>
    public static Option<string?> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; null when absent.</summary>
    public static Option<int?> Int(string name, string description, int min = int.MinValue, int max = int.MaxValue) => new(name)
    {
        Description = description, HelpName = "N",
        CustomParser = r => ParseLong(r, name, min, max) is { } v ? (int)v : null,
    };

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] with a default shown in --help.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue) => new(name)
    {
        Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue,
        CustomParser = r => (int)(ParseLong(r, name, min, max) ?? defaultValue),
    };

    /// <summary>A 64-bit integer at least <paramref name="min"/>; null when absent.</summary>
    public static Option<long?> Long(string name, string description, long min = long.MinValue) => new(name)
    {
        Description = description, HelpName = "N", CustomParser = r => ParseLong(r, name, min, long.MaxValue),
    };

    /// <summary>A floating-point number; null when absent. Ranges are the engine's to check (its message names the field).</summary>
    public static Option<double?> Number(string name, string description) => new(name)
    {
        Description = description, HelpName = "X",
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            string token = Token(r);
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
            r.AddError($"{name} expects a number, got '{token}'");
            return null;
        },
    };

    /// <summary>Comma-separated integers (<c>1,2,3</c>), each at least <paramref name="min"/>; empty for "". Read it with
    /// <see cref="GetList"/>: the parser reads an absent list as empty.</summary>
    public static Option<int[]?> IntList(string name, string helpName, string description, int min = int.MinValue) => new(name)
    {
        Description = description, HelpName = helpName, Arity = ArgumentArity.ExactlyOne, // one token: "1,2,3"
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0) return null;
            string[] parts = Token(r).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var values = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
                {
                    r.AddError($"{name} expects comma-separated integers, got '{parts[i]}'");
                    return null;
                }
                if (values[i] < min)
                {
                    r.AddError($"{name} values must be at least {min}, got {values[i]}");
                    return null;
                }
            }
            return values;
        },
    };

    /// <summary>One of <paramref name="values"/> (matched case-insensitively, returned as listed), listed in --help and
    /// offered as completions; <paramref name="hiddenValues"/> are accepted but neither listed nor completed.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, string[] values, params string[] hiddenValues)
    {
        var option = new Option<string>(name)
        {
            Description = ChoiceDescription(description, values), HelpName = ChoiceHelpName(values), DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseChoice(r, name, values, hiddenValues) ?? defaultValue,
        };
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>Like <see cref="Choice(string, string, string, string[], string[])"/> with no default: null when absent.</summary>
    public static Option<string?> OptionalChoice(string name, string description, string[] values, params string[] hiddenValues)
    {
        var option = new Option<string?>(name)
        {
            Description = ChoiceDescription(description, values), HelpName = ChoiceHelpName(values),
            CustomParser = r => ParseChoice(r, name, values, hiddenValues),
        };
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>A path to a file that must exist when the option is given.</summary>
    public static Option<string?> ExistingFile(string name, string helpName, string description, bool required = false)
    {
        Option<string?> option = Text(name, helpName, description, required);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } path && !File.Exists(path)) r.AddError($"{name}: file '{path}' does not exist");
        });
        return option;
    }

    /// <summary>A path to a directory that must exist when the option is given.</summary>
    public static Option<string?> ExistingDirectory(string name, string description, params string[] aliases)
    {
        var option = new Option<string?>(name, aliases) { Description = description, HelpName = "DIR" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } path && !Directory.Exists(path))
                r.AddError($"{r.IdentifierToken?.Value ?? name}: directory '{path}' does not exist");
        });
        return option;
    }

    /// <summary>Makes a switch given twice (<c>--json --json</c>) an error, as an option with a value given twice
    /// already is (System.CommandLine counts its values against the arity of one).</summary>
    public static void RejectRepeats(Command command)
    {
        foreach (Command sub in command.Subcommands)
        {
            foreach (Option option in sub.Options)
            {
                option.Validators.Add(r =>
                {
                    if (r.IdentifierTokenCount > 1 && r.Tokens.Count <= 1) r.AddError($"{r.IdentifierToken?.Value ?? option.Name} given {r.IdentifierTokenCount} times");
                });
            }
        }
    }

    /// <summary>For command validators, which run even when parsing failed: the option's value when it was given and
    /// parsed cleanly, else default.</summary>
    public static T? ValueIfValid<T>(SymbolResult result, Option<T> option)
    {
        if (result.GetResult(option) is not OptionResult { Implicit: false, Tokens.Count: > 0 } given) return default;
        try
        {
            return given.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return default; // the value did not parse: its own error is reported
        }
    }

    /// <summary>The value of an <see cref="IntList"/> option, null when it was not given.</summary>
    public static int[]? GetList(ParseResult result, Option<int[]?> option) => IsGiven(result, option) ? result.GetValue(option) : null;

    /// <summary>True when <paramref name="option"/> was given on the command line (not just defaulted).</summary>
    public static bool IsGiven(SymbolResult result, Option option) => result.GetResult(option) is OptionResult { Implicit: false };

    /// <inheritdoc cref="IsGiven(SymbolResult, Option)"/>
    public static bool IsGiven(ParseResult result, Option option) => result.GetResult(option) is OptionResult { Implicit: false };

    /// <summary>"a, b or c".</summary>
    public static string OneOf(string[] values) =>
        values.Length == 1 ? values[0] : string.Join(", ", values, 0, values.Length - 1) + " or " + values[^1];

    private static string Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[0].Value : "";

    // Short value lists go in the help's first column (--cache <off|on|both>); long ones would widen it for every option.
    private const int MaxHelpNameLength = 26;

    private static string ChoiceHelpName(string[] values)
    {
        string joined = string.Join('|', values);
        return joined.Length <= MaxHelpNameLength ? joined : "NAME";
    }

    private static string ChoiceDescription(string description, string[] values) =>
        string.Join('|', values).Length <= MaxHelpNameLength ? description : $"{description}; one of {OneOf(values)}";

    private static string? ParseChoice(ArgumentResult r, string name, string[] values, string[] hiddenValues)
    {
        if (r.Tokens.Count == 0) return null;
        string token = Token(r);
        foreach (string v in values) if (string.Equals(v, token, StringComparison.OrdinalIgnoreCase)) return v;
        foreach (string v in hiddenValues) if (string.Equals(v, token, StringComparison.OrdinalIgnoreCase)) return v;
        r.AddError($"{name} must be {OneOf(values)}, got '{token}'");
        return null;
    }

    private static long? ParseLong(ArgumentResult r, string name, long min, long max)
    {
        if (r.Tokens.Count == 0) return null;
        string token = Token(r);
        if (!long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
        {
            r.AddError($"{name} expects an integer, got '{token}'");
            return null;
        }
        if (v < min || v > max)
        {
            r.AddError(v < min ? $"{name} must be at least {min}, got {token}" : $"{name} must be at most {max}, got {token}");
            return null;
        }
        return v;
    }
}
