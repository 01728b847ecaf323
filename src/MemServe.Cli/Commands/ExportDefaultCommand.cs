using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary><c>memserve export-default --out DIR</c>: writes the embedded default model as a Hugging Face folder.</summary>
internal static class ExportDefaultCommand
{
    public static int Run(CliArgs args, TextWriter output)
    {
        string directory = args.Require("out");
        args.ThrowIfUnused();
        DefaultModel.Export(directory);
        output.WriteLine($"wrote {DefaultModel.Name} to {Path.GetFullPath(directory)}");
        return 0;
    }
}
