using MemServe.Chat.Jinja;

namespace MemServe.Chat;

/// <summary>
/// A model's chat template: the Jinja text from <c>tokenizer_config.json</c> (<c>chat_template</c>), parsed once by
/// MemServe's own interpreter of the Jinja subset chat templates use (see <c>docs/chat-templates.md</c>), then
/// rendered per request the way Hugging Face's <c>apply_chat_template</c> does: <c>trim_blocks</c> and
/// <c>lstrip_blocks</c> on, <c>tojson</c> as <c>json.dumps(ensure_ascii=False)</c>, <c>raise_exception</c> and
/// <c>strftime_now</c> available, <c>tools</c> and <c>documents</c> none unless given, and the special tokens
/// (<c>bos_token</c>, <c>eos_token</c>, ...) defined when the config sets them.
/// Instances are immutable and safe to render from many threads at once.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The ChatML template used when a tokenizer has none: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message, then <c>&lt;|im_start|&gt;assistant\n</c> as the generation prompt.</summary>
    internal const string ChatMlSource =
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>' + '\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static readonly Lazy<ChatTemplate> s_chatMl = new(() => new ChatTemplate(ChatMlSource, new Dictionary<string, string>(), isDefault: true, TimeProvider.System));

    private readonly IReadOnlyList<Statement> _body;
    private readonly IReadOnlyDictionary<string, string> _specialTokens;
    private readonly TimeProvider _clock;

    private ChatTemplate(string source, IReadOnlyDictionary<string, string> specialTokens, bool isDefault, TimeProvider clock)
    {
        Source = source;
        _body = TemplateParser.Parse(source);
        _specialTokens = specialTokens;
        IsDefault = isDefault;
        _clock = clock;
    }

    /// <summary>The default ChatML template (what SmolLM2 and Qwen use without tools); <see cref="IsDefault"/> is true.</summary>
    public static ChatTemplate ChatMl => s_chatMl.Value;

    /// <summary>True when this is the ChatML fallback rather than a template the tokenizer provided.</summary>
    public bool IsDefault { get; }

    /// <summary>The Jinja source text.</summary>
    public string Source { get; }

    /// <summary>
    /// Reads the template of the tokenizer in <paramref name="tokenizerDirectory"/>: a <c>chat_template.jinja</c> file
    /// when present, else <c>chat_template</c> in <c>tokenizer_config.json</c> (a string, or a list of
    /// <c>{name, template}</c> of which "default" is used). Without either, returns <see cref="ChatMl"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="ChatTemplateException">The config is not valid JSON or the template does not parse.</exception>
    public static ChatTemplate Load(string tokenizerDirectory)
    {
        ArgumentNullException.ThrowIfNull(tokenizerDirectory);
        if (!Directory.Exists(tokenizerDirectory)) throw new DirectoryNotFoundException($"tokenizer directory '{tokenizerDirectory}' does not exist");
        string configPath = Path.Combine(tokenizerDirectory, "tokenizer_config.json");
        string configJson = File.Exists(configPath) ? File.ReadAllText(configPath) : "{}";
        string jinjaPath = Path.Combine(tokenizerDirectory, "chat_template.jinja");
        TokenizerChatConfig config = TokenizerChatConfig.Parse(configJson, configPath);
        string? template = File.Exists(jinjaPath) ? File.ReadAllText(jinjaPath) : config.Template;
        return template is null ? ChatMl : new ChatTemplate(template, config.SpecialTokens, isDefault: false, TimeProvider.System);
    }

    /// <summary>Like <see cref="Load"/>, from the text of a <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="ChatTemplateException">The text is not valid JSON or the template does not parse.</exception>
    public static ChatTemplate FromConfigJson(string tokenizerConfigJson)
    {
        ArgumentNullException.ThrowIfNull(tokenizerConfigJson);
        TokenizerChatConfig config = TokenizerChatConfig.Parse(tokenizerConfigJson, "tokenizer_config.json");
        return config.Template is null ? ChatMl : new ChatTemplate(config.Template, config.SpecialTokens, isDefault: false, TimeProvider.System);
    }

    /// <summary>Parses <paramref name="template"/>; <paramref name="bosToken"/> and <paramref name="eosToken"/>, when given, are the <c>bos_token</c> and <c>eos_token</c> variables.</summary>
    /// <exception cref="ChatTemplateException">A syntax error or a construct outside the supported subset; the message names it with line and column.</exception>
    public static ChatTemplate Parse(string template, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        if (bosToken is not null) tokens["bos_token"] = bosToken;
        if (eosToken is not null) tokens["eos_token"] = eosToken;
        return new ChatTemplate(template, tokens, isDefault: false, TimeProvider.System);
    }

    /// <summary>A copy that reads the time for <c>strftime_now</c> from <paramref name="clock"/> (local time).</summary>
    public ChatTemplate WithClock(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new ChatTemplate(Source, _specialTokens, IsDefault, clock);
    }

    /// <summary>
    /// Renders the prompt text for <paramref name="messages"/>. <paramref name="addGenerationPrompt"/> sets
    /// <c>add_generation_prompt</c> (open an assistant turn). <paramref name="extraVariables"/> adds or overrides
    /// template variables, e.g. <c>enable_thinking</c>, <c>tools</c> (a list of JSON schemas) or <c>date_string</c>;
    /// values may be strings, numbers, booleans, null, lists, dictionaries or <see cref="System.Text.Json.JsonElement"/>s.
    /// </summary>
    /// <exception cref="ChatTemplateException">
    /// The template failed: a type error, reading from an undefined value, or <c>raise_exception</c>
    /// (then <see cref="ChatTemplateException.RaisedByTemplate"/> is true and the message is the template's).
    /// </exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extraVariables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var globals = new Scope(null);
        foreach (var (name, value) in Globals.Create(_clock)) globals.Set(name, value);
        var root = new Scope(globals);
        var messageList = new List<object?>(messages.Count);
        foreach (ChatMessage message in messages) messageList.Add(Values.FromMessage(message));
        root.Set("messages", messageList);
        root.Set("add_generation_prompt", addGenerationPrompt);
        root.Set("tools", null);
        root.Set("documents", null);
        foreach (var (name, token) in _specialTokens) root.Set(name, token);
        if (extraVariables is not null)
            foreach (var (name, value) in extraVariables) root.Set(name, Values.FromHost(value));
        return Renderer.Render(_body, root);
    }
}
