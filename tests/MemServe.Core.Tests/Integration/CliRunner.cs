using System.Text.Json;
using MemServe.Cli;

namespace MemServe.Core.Tests.Integration;

/// <summary>Runs a <c>memserve</c> command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed and parses every output line as JSON.</summary>
    public static List<JsonElement> RunJsonLines(params string[] args)
    {
        var (code, output, error) = Run(args);
        Assert.True(code == 0, $"memserve {string.Join(' ', args)} exited {code}: {error}");
        var lines = new List<JsonElement>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            lines.Add(doc.RootElement.Clone());
        }
        return lines;
    }

    public static int[] Ids(JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray()) ids[i++] = e.GetInt32();
        return ids;
    }
}
