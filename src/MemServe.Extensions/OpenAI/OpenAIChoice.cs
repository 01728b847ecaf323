using System.Text;
using MemServe.Chat.Tools;
using MemServe.Engine;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// What one choice of an OpenAI response has produced so far: its text (whole responses), its tokens'
/// logprobs (when asked for), its finish reason, and for streams whether its role was sent and how far its
/// text reaches (the legacy <c>text_offset</c>). One request, one thread; not thread-safe.
/// </summary>
internal sealed class OpenAIChoice(int index, bool logprobs)
{
    /// <summary><c>choices[].index</c>.</summary>
    public int Index { get; } = index;

    /// <summary>Output text so far (filled for whole responses only).</summary>
    public StringBuilder Text { get; } = new();

    /// <summary>Tokens with their logprobs in output order, or null when the request did not ask for logprobs.</summary>
    public List<LoggedToken>? Tokens { get; } = logprobs ? [] : null;

    /// <summary>Tool calls parsed from the output (a request that offers tools), or null.</summary>
    public List<ToolCall>? ToolCalls { get; set; }

    /// <summary>Set when the choice ended.</summary>
    public FinishReason? FinishReason { get; set; }

    /// <summary>Streams: the first chunk of this choice (with the role) has been sent.</summary>
    public bool RoleSent { get; set; }

    /// <summary>Characters (UTF-16) of token text reported before the next token: its legacy <c>text_offset</c>.</summary>
    public int TextOffset { get; set; }
}

/// <summary>A generated token and its log-probabilities.</summary>
internal readonly record struct LoggedToken(int TokenId, TokenLogprobs Logprobs);
