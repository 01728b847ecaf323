namespace MemServe.Cluster;

/// <summary>The result of <see cref="GlobalPromptTree.Match"/>: per instance, how many leading prompt tokens
/// it (probably) holds in cache. Best effort: entries may be stale until their events or TTL arrive. Immutable.</summary>
public sealed class InstancePrefixMatch
{
    private readonly Dictionary<string, int> _byInstance;

    internal InstancePrefixMatch(int promptTokens, Dictionary<string, int> byInstance)
    {
        PromptTokens = promptTokens;
        _byInstance = byInstance;
        foreach ((string id, int tokens) in byInstance)
            if (tokens > LongestTokens || (tokens == LongestTokens && string.CompareOrdinal(id, LongestInstanceId) < 0))
                (LongestInstanceId, LongestTokens) = (id, tokens);
    }

    /// <summary>Prompt length the match was made for.</summary>
    public int PromptTokens { get; }

    /// <summary>Matched tokens per instance that matched at least one block.</summary>
    public IReadOnlyDictionary<string, int> ByInstance => _byInstance;

    /// <summary>The instance with the longest match (lowest id among equals), or null on a miss.</summary>
    public string? LongestInstanceId { get; }

    /// <summary>Tokens matched by <see cref="LongestInstanceId"/>.</summary>
    public int LongestTokens { get; }

    /// <summary>Tokens <paramref name="instanceId"/> holds (0 when it matched nothing).</summary>
    public int TokensFor(string instanceId) => _byInstance.GetValueOrDefault(instanceId);

    /// <summary>A miss everywhere.</summary>
    public static InstancePrefixMatch None(int promptTokens) => new(promptTokens, []);
}
