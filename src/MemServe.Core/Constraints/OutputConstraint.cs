using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MemServe.Constraints;

/// <summary>
/// A compiled grammar over output bytes: any JSON object, a JSON Schema, or a GBNF grammar. Immutable, thread-safe,
/// shareable across requests and engines; it also owns the per-vocabulary cache of token masks its matchers share.
/// The factories return the same instance for the same text while it stays in a small process-wide cache, so
/// repeated requests reuse warm masks. Compile errors throw <see cref="ConstraintCompileException"/>.
/// </summary>
public sealed class OutputConstraint
{
    private const int MaxCachedConstraints = 64;
    private static readonly ConcurrentDictionary<(string Kind, string Text), OutputConstraint> s_compiled = new();
    private static readonly Lazy<OutputConstraint> s_jsonObject = new(() => new OutputConstraint("json_object", JsonGrammarText.AnyObjectGrammar()));
    private readonly ConditionalWeakTable<TokenVocabulary, MaskCache> _caches = new();

    private OutputConstraint(string description, string gbnf)
    {
        Description = description;
        Gbnf = gbnf;
        Grammar = CompiledGrammar.Compile(GbnfParser.Parse(gbnf), "root");
    }

    /// <summary>What kind of constraint this is, for logs: "json_object", "json_schema" or "gbnf".</summary>
    public string Description { get; }

    /// <summary>The GBNF grammar this constraint compiled (for JSON Schema: the generated grammar).</summary>
    public string Gbnf { get; }

    internal CompiledGrammar Grammar { get; }

    /// <summary>Any JSON object, arbitrarily nested (OpenAI's <c>json_object</c> response format).</summary>
    public static OutputConstraint JsonObject() => s_jsonObject.Value;

    /// <summary>Output that is valid under <paramref name="schemaJson"/> (OpenAI's strict <c>json_schema</c>); see
    /// <see cref="JsonSchemaGrammar"/> for the supported keywords.</summary>
    public static OutputConstraint FromJsonSchema(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        return Cached("json_schema", schemaJson, static s => new OutputConstraint("json_schema", JsonSchemaGrammar.ToGbnf(s)));
    }

    /// <summary>Output matching the llama.cpp GBNF <paramref name="grammar"/>, starting at rule <c>root</c>.</summary>
    public static OutputConstraint FromGbnf(string grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        return Cached("gbnf", grammar, static g => new OutputConstraint("gbnf", g));
    }

    /// <summary>A constraint sent over the remote protocol: its <see cref="Description"/> and <see cref="Gbnf"/>.</summary>
    internal static OutputConstraint FromWire(string description, string gbnf) =>
        Cached("wire:" + description, gbnf, g => new OutputConstraint(description, g));

    /// <summary>Drops every cached mask (benchmarks measure cold masks with it).</summary>
    internal void ClearMaskCaches()
    {
        foreach (var (_, cache) in _caches)
            cache.Clear();
    }

    internal MaskCache CacheFor(TokenVocabulary vocabulary) => _caches.GetValue(vocabulary, static _ => new MaskCache());

    private static OutputConstraint Cached(string kind, string text, Func<string, OutputConstraint> compile)
    {
        if (s_compiled.TryGetValue((kind, text), out var constraint))
            return constraint;
        constraint = compile(text);
        if (s_compiled.Count >= MaxCachedConstraints)
            s_compiled.Clear();
        return s_compiled.GetOrAdd((kind, text), constraint);
    }
}
