using System.Text;
using System.Text.Json;
using MemServe.Engine;
using MemServe.Tokenization;

namespace MemServe.Extensions.OpenAI;

/// <summary>
/// Writes a choice's <c>logprobs</c> in the two OpenAI shapes: chat's <c>{"content":[{token, logprob, bytes,
/// top_logprobs:[{token, logprob, bytes}]}]}</c> and the legacy completions'
/// <c>{tokens, token_logprobs, top_logprobs:[{text: logprob}], text_offset}</c>. A token's text is the tokenizer's
/// bytes for that token alone (a piece of a multi-byte character keeps its partial bytes; its text shows U+FFFD for
/// them). Caches token texts for one request; not thread-safe.
/// </summary>
internal sealed class OpenAILogprobsWriter(ITokenizer tokenizer)
{
    private readonly Dictionary<int, (string Text, byte[] Bytes)> _tokens = [];

    /// <summary>Chat: writes <c>"logprobs": {"content": [...]}</c> for <paramref name="tokens"/>.</summary>
    public void WriteChat(Utf8JsonWriter json, ReadOnlySpan<LoggedToken> tokens)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (LoggedToken token in tokens)
        {
            json.WriteStartObject();
            WriteTokenFields(json, token.TokenId, token.Logprobs.Logprob);
            json.WriteStartArray("top_logprobs");
            foreach (TopLogprob top in token.Logprobs.Top)
            {
                json.WriteStartObject();
                WriteTokenFields(json, top.TokenId, top.Logprob);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Completions: writes the legacy <c>"logprobs"</c> object for <paramref name="tokens"/>, their text
    /// offsets counted on from <see cref="OpenAIChoice.TextOffset"/> of <paramref name="choice"/> (which advances).
    /// Alternatives whose texts coincide keep the first (most likely) one, as a JSON object cannot repeat a key.</summary>
    public void WriteCompletion(Utf8JsonWriter json, ReadOnlySpan<LoggedToken> tokens, OpenAIChoice choice)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("tokens");
        foreach (LoggedToken token in tokens) json.WriteStringValue(Token(token.TokenId).Text);
        json.WriteEndArray();
        json.WriteStartArray("token_logprobs");
        foreach (LoggedToken token in tokens) json.WriteNumberValue(Finite(token.Logprobs.Logprob));
        json.WriteEndArray();
        json.WriteStartArray("top_logprobs");
        var seen = new HashSet<string>();
        foreach (LoggedToken token in tokens)
        {
            seen.Clear();
            json.WriteStartObject();
            foreach (TopLogprob top in token.Logprobs.Top)
            {
                string text = Token(top.TokenId).Text;
                if (seen.Add(text)) json.WriteNumber(text, Finite(top.Logprob));
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("text_offset");
        foreach (LoggedToken token in tokens)
        {
            json.WriteNumberValue(choice.TextOffset);
            choice.TextOffset += Token(token.TokenId).Text.Length;
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteTokenFields(Utf8JsonWriter json, int tokenId, float logprob)
    {
        (string text, byte[] bytes) = Token(tokenId);
        json.WriteString("token", text);
        json.WriteNumber("logprob", Finite(logprob));
        json.WriteStartArray("bytes");
        foreach (byte b in bytes) json.WriteNumberValue(b);
        json.WriteEndArray();
    }

    // JSON has no -Infinity: a token the model gives zero probability reports OpenAI's floor of -9999.
    private static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : -9999f;

    private (string Text, byte[] Bytes) Token(int id)
    {
        if (_tokens.TryGetValue(id, out (string, byte[]) cached)) return cached;
        // A token's own bytes (a piece of a multi-byte character stays partial); a special token spells its text.
        byte[] bytes = tokenizer.TokenBytes(id) ?? Encoding.UTF8.GetBytes(tokenizer.Decode([id]));
        (string, byte[]) entry = (Encoding.UTF8.GetString(bytes), bytes);
        _tokens[id] = entry;
        return entry;
    }
}
