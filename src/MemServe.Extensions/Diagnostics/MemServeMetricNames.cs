namespace MemServe.Extensions;

/// <summary>
/// Names of the meter, instruments and attributes MemServe records. The <c>gen_ai.*</c> names follow the
/// OpenTelemetry GenAI semantic conventions (server metrics); <c>memserve.*</c> are engine gauges and
/// counters that have no convention yet.
/// </summary>
public static class MemServeMetricNames
{
    /// <summary>The meter every MemServe instrument belongs to (obtained from <c>IMeterFactory</c>).</summary>
    public const string MeterName = "MemServe";

    /// <summary>Histogram (s): submission to last token, per request.</summary>
    public const string RequestDuration = "gen_ai.server.request.duration";

    /// <summary>Histogram (s): submission to first token (queue + prefill), per request.</summary>
    public const string TimeToFirstToken = "gen_ai.server.time_to_first_token";

    /// <summary>Histogram (s): (duration − time to first token) / (output tokens − 1), per request with ≥ 2 tokens.</summary>
    public const string TimePerOutputToken = "gen_ai.server.time_per_output_token";

    /// <summary>Histogram ({token}): prompt and output tokens per request, split by <see cref="TokenType"/>
    /// (the buckets and attributes of <c>gen_ai.client.token.usage</c>, measured by the server).</summary>
    public const string TokenUsage = "memserve.token.usage";

    /// <summary>Counter ({token}): prompt tokens served from the prefix cache.</summary>
    public const string PrefixCacheHitTokens = "memserve.prefix_cache.hit_tokens";

    /// <summary>Observable up-down counter ({request}): requests holding KV blocks.</summary>
    public const string RequestsRunning = "memserve.requests.running";

    /// <summary>Observable up-down counter ({request}): requests waiting for admission.</summary>
    public const string RequestsWaiting = "memserve.requests.waiting";

    /// <summary>Observable up-down counter ({block}): KV blocks in use.</summary>
    public const string KvBlocksUsed = "memserve.kv_cache.blocks.used";

    /// <summary>Observable up-down counter ({block}): KV blocks free.</summary>
    public const string KvBlocksFree = "memserve.kv_cache.blocks.free";

    /// <summary>Observable gauge (1): fraction of KV blocks in use, 0 to 1.</summary>
    public const string KvCacheUsage = "memserve.kv_cache.usage";

    /// <summary>Observable counter ({token}): tokens generated since the engine started.</summary>
    public const string GeneratedTokens = "memserve.tokens.generated";

    /// <summary>Observable counter ({token}): prompt tokens admitted since the engine started.</summary>
    public const string PromptTokens = "memserve.tokens.prompt";

    /// <summary>Attribute: <c>chat</c> or <c>text_completion</c>.</summary>
    public const string OperationName = "gen_ai.operation.name";

    /// <summary>Attribute: always <see cref="ProviderNameValue"/>.</summary>
    public const string ProviderName = "gen_ai.provider.name";

    /// <summary>Attribute: the model the engine serves.</summary>
    public const string RequestModel = "gen_ai.request.model";

    /// <summary>Attribute: the exception type of a failed or cancelled request.</summary>
    public const string ErrorType = "error.type";

    /// <summary>Attribute of <see cref="TokenUsage"/>: <c>input</c> or <c>output</c>.</summary>
    public const string TokenType = "gen_ai.token.type";

    /// <summary>Attribute of the engine instruments: the model the engine serves.</summary>
    public const string EngineModel = "memserve.model";

    /// <summary>The <see cref="ProviderName"/> value.</summary>
    public const string ProviderNameValue = "memserve";

    /// <summary>The <see cref="OperationName"/> of chat requests.</summary>
    public const string ChatOperation = "chat";

    /// <summary>The <see cref="OperationName"/> of embedding requests.</summary>
    public const string EmbeddingsOperation = "embeddings";

    /// <summary>The <see cref="OperationName"/> of text completion requests (and direct engine calls).</summary>
    public const string TextCompletionOperation = "text_completion";
}
