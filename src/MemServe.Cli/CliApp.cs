namespace MemServe.Cli;

/// <summary>The memserve command line; commands are wired in as they land.</summary>
internal static class CliApp
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("usage: memserve <command> [options]");
        return args.Length == 0 ? 2 : 2;
    }
}
