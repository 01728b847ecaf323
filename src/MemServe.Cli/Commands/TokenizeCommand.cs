using System.CommandLine;
using System.Text.Json;
using MemServe.Model;
using MemServe.Tokenization;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve tokenize [--tokenizer DIR] (--text TEXT | --jsonl FILE) [--add-special-tokens] [--json]</c>: token ids
/// of a text, or of each JSON string of a JSONL file, one line each. Without <c>--tokenizer</c> (alias <c>--model</c>),
/// the embedded default model's tokenizer.
/// </summary>
internal static class TokenizeCommand
{
    /// <summary>The <c>tokenize</c> command, writing to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> tokenizer = TokenizerDirectory();
        Option<string?> text = CliOptions.Text("--text", "TEXT", "The text to tokenize");
        Option<string?> jsonl = CliOptions.ExistingFile("--jsonl", "FILE", "One JSON string per line, each tokenized to one output line");
        Option<bool> addSpecial = CliOptions.Flag("--add-special-tokens", "Add the tokenizer's special tokens (e.g. BOS)");
        Option<bool> json = EngineOptions.Json("Print {\"ids\": [...]} per line instead of space-separated ids");
        var command = new Command("tokenize", "Token ids of a text or of each line of a JSONL file") { tokenizer, text, jsonl, addSpecial, json };
        command.Validators.Add(r =>
        {
            if (CliOptions.IsGiven(r, text) == CliOptions.IsGiven(r, jsonl)) r.AddError("give exactly one of --text or --jsonl");
        });
        command.SetAction(r => Run(r.GetValue(tokenizer), r.GetValue(text), r.GetValue(jsonl), r.GetValue(addSpecial), r.GetValue(json), output));
        return command;
    }

    /// <summary><c>--tokenizer DIR</c> (alias <c>--model</c>): a folder with tokenizer.json; absent, the default model's.</summary>
    public static Option<string?> TokenizerDirectory() =>
        CliOptions.ExistingDirectory("--tokenizer", "Folder with tokenizer.json (and tokenizer_config.json) [default: the embedded default model's]", "--model");

    private static int Run(string? directory, string? text, string? jsonl, bool addSpecial, bool json, TextWriter output)
    {
        Tokenizer tokenizer = directory is null
            ? Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson, $"{DefaultModel.Name} tokenizer.json")
            : Tokenizer.Load(directory);
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
