using System.CommandLine;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary><c>memserve export-default --out DIR</c>: writes the embedded default model as a Hugging Face folder.</summary>
internal static class ExportDefaultCommand
{
    /// <summary>The <c>export-default</c> command, writing to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> outDir = CliOptions.Text("--out", "DIR", "Folder to write config.json, model.safetensors and the tokenizer files to", required: true);
        var command = new Command("export-default", "Write the embedded default model as a Hugging Face folder") { outDir };
        command.SetAction(r => Run(r.GetValue(outDir)!, output));
        return command;
    }

    private static int Run(string directory, TextWriter output)
    {
        DefaultModel.Export(directory);
        output.WriteLine($"wrote {DefaultModel.Name} to {Path.GetFullPath(directory)}");
        return 0;
    }
}
