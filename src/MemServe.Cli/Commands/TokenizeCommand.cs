using System.Text.Json;
using MemServe.Tokenization;

namespace MemServe.Cli.Commands;

/// <summary><c>memserve tokenize --tokenizer DIR (--text TEXT | --jsonl FILE) [--add-special-tokens] [--json]</c>.</summary>
internal static class TokenizeCommand
{
    public static int Run(CliArgs args, TextWriter output)
    {
        string directory = args.Get("tokenizer") ?? args.Require("model");
        string? text = args.Get("text");
        string? jsonl = args.Get("jsonl");
        bool addSpecial = args.Has("add-special-tokens");
        bool json = args.Has("json");
        args.ThrowIfUnused();
        if ((text is null) == (jsonl is null)) throw new CliUsageException("give exactly one of --text or --jsonl");

        Tokenizer tokenizer = Tokenizer.Load(directory);
        foreach (string item in Texts(text, jsonl))
        {
            int[] ids = tokenizer.Encode(item, addSpecial);
            if (json) JsonOut.Line(output, w => JsonOut.WriteIds(w, "ids", ids));
            else output.WriteLine(string.Join(' ', ids));
        }
        return 0;
    }

    private static IEnumerable<string> Texts(string? text, string? jsonlPath)
    {
        if (text is not null)
        {
            yield return text;
            yield break;
        }
        int lineNumber = 0;
        foreach (string line in File.ReadLines(jsonlPath!))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string? value;
            try
            {
                value = JsonSerializer.Deserialize<string>(line);
            }
            catch (JsonException ex)
            {
                throw new CliUsageException($"{jsonlPath}:{lineNumber}: expected one JSON string per line ({ex.Message})");
            }
            yield return value ?? throw new CliUsageException($"{jsonlPath}:{lineNumber}: null is not a text");
        }
    }
}
