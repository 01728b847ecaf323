using MemServe.Engine;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Adds up the usage of a response's choices as they end: the prompt is counted once (every choice reports the same
/// prompt), the completion tokens of all choices are summed. One request, one thread; not thread-safe.
/// </summary>
internal sealed class ChoiceUsageTally(int choices)
{
    private int _open = choices, _completionTokens;
    private GenerationUsage? _first;

    /// <summary>Counts one choice's final <paramref name="usage"/>; true when it was the last choice still open.</summary>
    public bool End(GenerationUsage usage)
    {
        _first ??= usage;
        _completionTokens += usage.OutputTokens;
        return --_open == 0;
    }

    /// <summary>The response's usage once every choice has ended.</summary>
    public GenerationUsage Total => _first! with { OutputTokens = _completionTokens };
}
