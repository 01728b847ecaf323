using System.Text;

namespace MemServe.Chat.Tools;

/// <summary>
/// Splits a model's output, as it streams, into content and tool calls for one <see cref="ToolCallFormat"/>.
/// Content is passed on as soon as it cannot be the start of a call: text that may begin a call marker is held
/// back (like a stop string) until it is known. Hermes calls are emitted as each <c>&lt;/tool_call&gt;</c> closes;
/// Llama 3 and Mistral calls, which run to the end of the output, on <see cref="Finish"/>. Text that looks like a
/// call but does not parse (bad JSON, no name, a function not offered, no closing tag) is returned as content,
/// never dropped. Whitespace between and after calls is dropped. When only one call is allowed, calls after the
/// first are discarded. Feeding the output whole or in any split gives the same result.
/// Not thread-safe: one parser per response.
/// </summary>
public sealed class ToolCallStreamParser
{
    private const string HermesOpen = "<tool_call>";
    private const string HermesClose = "</tool_call>";

    private readonly ToolCallFormat _format;
    private readonly bool _allowMultiple;
    private readonly IReadOnlySet<string>? _knownNames;
    private readonly string _marker;
    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _output = new();
    private readonly List<(string Name, string Arguments)> _parsed = [];
    private State _state;
    private int _callCount;
    private bool _afterCall;

    /// <param name="format">The family; <see cref="ToolCallFormat.None"/> passes all text through as content.</param>
    /// <param name="allowMultiple">False keeps only the first call (<c>parallel_tool_calls: false</c>).</param>
    /// <param name="knownNames">The functions offered; a call to any other is treated as content. Null accepts any name.</param>
    public ToolCallStreamParser(ToolCallFormat format, bool allowMultiple = true, IReadOnlySet<string>? knownNames = null)
    {
        _format = format;
        _allowMultiple = allowMultiple;
        _knownNames = knownNames;
        _marker = format switch
        {
            ToolCallFormat.Hermes => HermesOpen,
            ToolCallFormat.Llama3Json => "<|python_tag|>",
            ToolCallFormat.Mistral => "[TOOL_CALLS]",
            _ => "",
        };
        _state = format switch
        {
            ToolCallFormat.None => State.PassThrough,
            ToolCallFormat.Hermes => State.Content,
            _ => State.Start,
        };
    }

    /// <summary>The number of calls returned so far.</summary>
    public int CallCount => _callCount;

    /// <summary>Takes the next piece of output; returns the content that can be sent now (possibly empty) and adds
    /// the calls completed by it to <paramref name="calls"/>.</summary>
    public string Push(string delta, List<ToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Length == 0) return "";
        if (_state == State.PassThrough) return delta;
        if (_state == State.Content && _pending.Length == 0 && !_afterCall && delta.IndexOf(_marker[0], StringComparison.Ordinal) < 0) return delta;
        _pending.Append(delta);
        // A call in progress can only end with '>' (Hermes) or at the end of the output (Llama, Mistral).
        if (_state == State.Tail || (_state == State.InCall && delta.IndexOf('>', StringComparison.Ordinal) < 0)) return "";
        return Drain(calls, final: false);
    }

    /// <summary>Ends the output: returns the content still held back and adds the remaining calls.</summary>
    public string Finish(List<ToolCall> calls) => _state == State.PassThrough ? "" : Drain(calls, final: true);

    private string Drain(List<ToolCall> calls, bool final)
    {
        _output.Clear();
        while (true)
        {
            string text = _pending.ToString();
            switch (_state)
            {
                case State.Start:
                {
                    int first = 0;
                    while (first < text.Length && char.IsWhiteSpace(text[first])) first++;
                    if (first == text.Length)
                    {
                        if (final)
                        {
                            Emit(text, final);
                            _pending.Clear();
                        }
                        return TakeOutput();
                    }
                    ReadOnlySpan<char> rest = text.AsSpan(first);
                    char opener = _format == ToolCallFormat.Llama3Json ? '{' : '[';
                    if (rest.StartsWith(_marker, StringComparison.Ordinal) || rest[0] == opener)
                    {
                        _state = State.Tail;
                        continue;
                    }
                    if (!final && _marker.AsSpan().StartsWith(rest, StringComparison.Ordinal)) return TakeOutput();
                    _state = State.Content;
                    continue;
                }
                case State.Content:
                {
                    int at = text.IndexOf(_marker, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        Emit(text[..at], final: true);
                        _pending.Remove(0, at);
                        _state = _format == ToolCallFormat.Hermes ? State.InCall : State.Tail;
                        continue;
                    }
                    int keep = final ? 0 : PartialMarkerLength(text);
                    string ready = text[..^keep];
                    if (Emit(ready, final)) _pending.Remove(0, ready.Length);
                    return TakeOutput();
                }
                case State.InCall:
                {
                    int close = text.IndexOf(HermesClose, HermesOpen.Length, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        if (!final) return TakeOutput();
                        EmitRaw(text);
                        _pending.Clear();
                        _state = State.Content;
                        return TakeOutput();
                    }
                    int end = close + HermesClose.Length;
                    string body = text[HermesOpen.Length..close];
                    if (ToolCallJson.TryReadObject(body, _knownNames, out string name, out string args))
                    {
                        if (_allowMultiple || _callCount == 0) AddCall(calls, name, args);
                        _afterCall = true;
                    }
                    else
                    {
                        EmitRaw(text[..end]);
                    }
                    _pending.Remove(0, end);
                    _state = State.Content;
                    continue;
                }
                case State.Tail:
                {
                    if (!final) return TakeOutput();
                    _parsed.Clear();
                    string json = text.TrimStart();
                    if (json.StartsWith(_marker, StringComparison.Ordinal)) json = json[_marker.Length..];
                    bool ok = _format == ToolCallFormat.Llama3Json
                        ? ToolCallJson.TryReadSequence(json, _knownNames, _parsed)
                        : ToolCallJson.TryReadArray(json, _knownNames, _parsed);
                    if (ok)
                    {
                        foreach (var (name, args) in _parsed)
                            if (_allowMultiple || _callCount == 0) AddCall(calls, name, args);
                    }
                    else
                    {
                        EmitRaw(text);
                    }
                    _pending.Clear();
                    _state = State.Content;
                    return TakeOutput();
                }
                default:
                    return TakeOutput();
            }
        }
    }

    /// <summary>Sends <paramref name="text"/> as content unless it is whitespace right after a call (held while more may
    /// come, dropped at the end). Returns false when the text stays pending.</summary>
    private bool Emit(string text, bool final)
    {
        if (text.Length == 0) return true;
        if (_afterCall && string.IsNullOrWhiteSpace(text))
        {
            if (!final) return false;
            return true;
        }
        _output.Append(text);
        _afterCall = false;
        return true;
    }

    private void EmitRaw(string text)
    {
        _output.Append(text);
        _afterCall = false;
    }

    private void AddCall(List<ToolCall> calls, string name, string args)
    {
        calls.Add(new ToolCall(ToolCallFormats.NewCallId(_format), name, args));
        _callCount++;
        _afterCall = true;
    }

    private string TakeOutput() => _output.Length == 0 ? "" : _output.ToString();

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of the marker.</summary>
    private int PartialMarkerLength(string text)
    {
        for (int length = Math.Min(_marker.Length - 1, text.Length); length > 0; length--)
        {
            if (text.AsSpan(text.Length - length).SequenceEqual(_marker.AsSpan(0, length))) return length;
        }
        return 0;
    }

    private enum State
    {
        PassThrough,
        Start,
        Content,
        InCall,
        Tail,
    }
}
