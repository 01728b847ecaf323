using System.Threading.Channels;
using MemServe.Constraints;
using MemServe.Memory;
using MemServe.Sampling;
using MemServe.Tokenization;

namespace MemServe.Engine;

/// <summary>
/// The engine's state for one request: its tokens (prompt, then output), how many of them are in the KV
/// cache, its blocks, its sampler state, and the channel its updates leave through. Everything but the
/// abandon flag and the update channel belongs to the engine thread; the caller's enumerator reads the
/// channel and may set the flag.
/// </summary>
internal sealed class Sequence
{
    private int[] _tokens; // (capacity); [0, Count) = prompt then output
    private Xoshiro256StarStar _rng;
    private int _abandoned;
    private Exception? _error;
    private readonly Channel<GenerationUpdate> _updates;

    /// <summary>A sequence for <paramref name="request"/>; with a <paramref name="group"/> (N &gt; 1) it is choice
    /// <paramref name="choiceIndex"/> of it, publishing into the group's channel with a seed derived for its index.</summary>
    public Sequence(long id, int[] prompt, GenerationRequest request, int contextLimit, int[] stopTokenIds,
        IIncrementalDetokenizer detokenizer, long submittedAt, ChoiceGroup? group = null, int choiceIndex = 0)
    {
        Id = id;
        Group = group;
        ChoiceIndex = choiceIndex;
        _updates = group?.Updates ??
            Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _tokens = new int[Math.Min(contextLimit, prompt.Length + Math.Min(request.MaxTokens, 256))];
        prompt.CopyTo(_tokens, 0);
        Count = PromptTokens = prompt.Length;
        Sampling = request.Sampling;
        LogitBias = LogitBiasTable.Create(request.Sampling.LogitBias);
        Logprobs = request.Logprobs;
        _rng = new Xoshiro256StarStar(request.Sampling.Seed is { } seed ? ChoiceGroup.DeriveSeed(seed, choiceIndex) : Random.Shared.NextInt64());
        MaxTokens = request.MaxTokens;
        ContextLimit = contextLimit;
        StopTokenIds = stopTokenIds;
        StopFilter = request.StopStrings.Count > 0 ? new StopStringFilter(request.StopStrings) : null;
        Detokenizer = detokenizer;
        SubmittedAt = submittedAt;
    }

    /// <summary>The request's choices when it asked for several (N &gt; 1); null otherwise.</summary>
    public ChoiceGroup? Group { get; }

    /// <summary>This sequence's choice index within <see cref="Group"/> (0 without a group).</summary>
    public int ChoiceIndex { get; }

    /// <summary>False when the request neither reuses nor publishes cached prefixes on this engine (a
    /// disaggregation strategy that does not cache on this side).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Where the output stands in the request's <see cref="GenerationRequest.Constraint"/>; null when the
    /// output is unconstrained.</summary>
    public ConstraintMatcher? Constraint { get; init; }

    /// <summary>Set for a prefill-only request: the first sampled token and the prompt's KV go here instead of
    /// the update channel.</summary>
    public PrefillHandoff? Handoff { get; init; }

    /// <summary>Set for an embedding input: the step that computes its last token pools its final hidden states into
    /// this job and ends the sequence (no token is sampled).</summary>
    public EmbeddingJob? Embedding { get; init; }

    /// <summary>Replaces the generator (a decode continuing another engine's prefill).</summary>
    public void RestoreGenerator(ReadOnlySpan<ulong> state) => _rng = Xoshiro256StarStar.FromState(state);

    /// <summary>Engine-wide request number (for logs).</summary>
    public long Id { get; }

    /// <summary>Prompt length.</summary>
    public int PromptTokens { get; }

    /// <summary>Prompt plus output tokens so far.</summary>
    public int Count { get; private set; }

    /// <summary>Tokens whose K/V are in this sequence's blocks; the next step feeds from here.</summary>
    public int ComputedTokens { get; set; }

    /// <summary>Tokens still to run through the model before the next token can be sampled.</summary>
    public int PendingTokens => Count - ComputedTokens;

    /// <summary>Tokens generated so far.</summary>
    public int OutputTokens => Count - PromptTokens;

    /// <summary>Prompt then output.</summary>
    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, Count);

    /// <summary>Physical KV blocks covering positions [0, Count) while running.</summary>
    public BlockTable Blocks { get; } = new();

    public SequenceStatus Status { get; set; } = SequenceStatus.Queued;

    /// <summary>The deepest prompt-tree node this sequence pins (its blocks [0, <see cref="CachedBlocks"/>)
    /// are on that path), or null; pinned while running, released on finish, preemption and cancellation.</summary>
    internal PromptTreeNode? CachePin { get; set; }

    /// <summary>Leading blocks of <see cref="Blocks"/> published in (or served from) the prompt tree.</summary>
    public int CachedBlocks { get; set; }

    /// <summary>Prompt tokens served from the prefix cache at the first admission; -1 before it.</summary>
    public int CachedPromptTokens { get; set; } = -1;

    public SamplingParameters Sampling { get; }

    /// <summary><see cref="SamplingParameters.LogitBias"/> flattened once for the sampler; null without a bias.</summary>
    public LogitBiasTable? LogitBias { get; }

    /// <summary>Top alternatives per token when the request asked for logprobs; null when it did not.</summary>
    public int? Logprobs { get; }

    /// <summary>The request's own generator (seeded: same tokens alone or batched).</summary>
    public ref Xoshiro256StarStar Rng => ref _rng;

    public int MaxTokens { get; }

    /// <summary>Most tokens (prompt + output) the sequence may reach.</summary>
    public int ContextLimit { get; }

    /// <summary>Requested stop ids plus the model's EOS ids (unless ignored).</summary>
    public int[] StopTokenIds { get; }

    /// <summary>Holds back text that may turn into a stop string; null without stop strings.</summary>
    public StopStringFilter? StopFilter { get; }

    public IIncrementalDetokenizer Detokenizer { get; }

    /// <summary>Timestamps (<see cref="TimeProvider.GetTimestamp"/>); 0 when not reached yet.</summary>
    public long SubmittedAt { get; }
    public long FirstScheduledAt { get; set; }
    public long FirstTokenAt { get; set; }

    /// <summary>Why the sequence (or, with a group, any choice of its request) failed, once it has.</summary>
    public Exception? Error => Group is { } group ? group.Error : _error;

    /// <summary>The caller gave up on the request (cancelled or stopped enumerating). Any thread.</summary>
    public bool IsAbandoned => Group?.IsAbandoned ?? Volatile.Read(ref _abandoned) != 0;

    /// <summary>Where the caller reads updates.</summary>
    public ChannelReader<GenerationUpdate> Updates => _updates.Reader;

    /// <summary>Marks the request abandoned; true the first time. Any thread.</summary>
    public bool MarkAbandoned() => Group?.MarkAbandoned() ?? Interlocked.Exchange(ref _abandoned, 1) == 0;

    /// <summary>Appends a sampled token, growing the buffer by doubling.</summary>
    public void Append(int token)
    {
        if (Count == _tokens.Length) Array.Resize(ref _tokens, Math.Min(ContextLimit, _tokens.Length * 2));
        _tokens[Count++] = token;
    }

    /// <summary>Hands an update to the caller; the final one also closes the channel (with a group: the final
    /// one of the last open choice).</summary>
    public void Publish(GenerationUpdate update)
    {
        _updates.Writer.TryWrite(update);
        if (update.IsFinal && (Group is null || --Group.Open == 0)) _updates.Writer.TryComplete();
    }

    /// <summary>Ends the request (every choice of it) with <paramref name="error"/>, which the caller's enumerator throws.</summary>
    public void Fail(Exception error)
    {
        _error ??= error;
        if (Group is { } group) group.Error ??= error;
        Handoff?.Fail(error);
        Embedding?.Fail(error);
        _updates.Writer.TryComplete();
    }
}
