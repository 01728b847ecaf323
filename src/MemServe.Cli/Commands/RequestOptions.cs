using System.CommandLine;
using MemServe.Engine;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// The sampling and stopping options of <c>generate</c>: <c>--max-tokens</c>, <c>--temperature</c>, <c>--top-k</c>,
/// <c>--top-p</c>, <c>--min-p</c>, <c>--repetition-penalty</c>, <c>--seed</c>, <c>--ignore-eos</c>, <c>--stop</c>.
/// Sampling values are range-checked by the engine (exit code 1, the message names the field), as for API requests.
/// </summary>
internal sealed class RequestOptions
{
    /// <summary>Tokens generated when neither the command line nor a request says.</summary>
    public const int DefaultMaxTokens = 128;

    private readonly Option<int> _maxTokens = CliOptions.Int("--max-tokens", "Tokens to generate at most", DefaultMaxTokens, min: 1);
    private readonly Option<double?> _temperature = CliOptions.Number("--temperature", "Sampling temperature; 0: greedy [default: 0]");
    private readonly Option<int?> _topK = CliOptions.Int("--top-k", "Sample among the K most likely tokens; 0: all [default: 0]", min: 0);
    private readonly Option<double?> _topP = CliOptions.Number("--top-p", "Nucleus sampling probability mass [default: 1]");
    private readonly Option<double?> _minP = CliOptions.Number("--min-p", "Drop tokens below P times the top token's probability [default: 0]");
    private readonly Option<double?> _repetitionPenalty = CliOptions.Number("--repetition-penalty", "Penalty for tokens already seen; 1: none [default: 1]");
    private readonly Option<long?> _seed = CliOptions.Long("--seed", "Sampling seed, for reproducible sampled output");
    private readonly Option<bool> _ignoreEos = CliOptions.Flag("--ignore-eos", "Keep generating past the end-of-sequence token");
    private readonly Option<string?> _stop = CliOptions.Text("--stop", "TEXT", "Stop when the output contains TEXT");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_maxTokens);
        command.Add(_temperature);
        command.Add(_topK);
        command.Add(_topP);
        command.Add(_minP);
        command.Add(_repetitionPenalty);
        command.Add(_seed);
        command.Add(_ignoreEos);
        command.Add(_stop);
    }

    /// <summary>A request without a prompt, carrying the command line's sampling and stopping values.</summary>
    public GenerationRequest Read(ParseResult result)
    {
        string? stop = result.GetValue(_stop);
        var sampling = new SamplingParameters
        {
            Temperature = (float)(result.GetValue(_temperature) ?? 0),
            TopK = result.GetValue(_topK) ?? 0,
            TopP = (float)(result.GetValue(_topP) ?? 1),
            MinP = (float)(result.GetValue(_minP) ?? 0),
            RepetitionPenalty = (float)(result.GetValue(_repetitionPenalty) ?? 1),
            Seed = result.GetValue(_seed),
        };
        return new GenerationRequest
        {
            Sampling = sampling,
            MaxTokens = result.GetValue(_maxTokens),
            IgnoreEos = result.GetValue(_ignoreEos),
            StopStrings = stop is null ? [] : [stop],
        };
    }
}
