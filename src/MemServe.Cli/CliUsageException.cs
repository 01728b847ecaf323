namespace MemServe.Cli;

/// <summary>A command line that parses but cannot run (e.g. <c>--dtype</c> contradicting the model's weights): printed as
/// one line, exit code 2. Options' own values are checked while parsing (see <see cref="CliOptions"/>).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
