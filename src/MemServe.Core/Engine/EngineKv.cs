using System.Runtime.CompilerServices;
using MemServe.Memory;
using MemServe.Transport;

namespace MemServe.Engine;

/// <summary>
/// One engine's side of moving KV between instances (MemServe's transfer APIs and P/D handoff): run a
/// prefill-only request and hold its prompt's blocks; hold a cached prefix for export; send held blocks over a
/// link; land blocks from a link (the receiver allocates, the data lands, only then is anything published); and
/// continue decoding a request whose prompt KV was imported. Every pool and tree mutation is posted to the
/// engine thread (<see cref="EngineLoop.InvokeAsync{T}"/>); block data is read and written off it only while the
/// blocks are held and invisible to everyone else. Thread-safe.
/// </summary>
internal sealed class EngineKv(LlmEngine engine)
{
    /// <summary>Tokens per block.</summary>
    public int BlockTokens => engine.Storage.Layout.BlockTokens;

    /// <summary>Runs the prompt of <paramref name="request"/>, samples its first token and returns it with a hold
    /// on the prompt's blocks (the caller releases it). With <paramref name="useCache"/> the prompt reuses and
    /// publishes cached prefixes. With <paramref name="stream"/> the step that completes the prompt streams its KV layer group by layer group.</summary>
    public async Task<PrefillOutput> PrefillAsync(GenerationRequest request, bool useCache, CancellationToken cancellationToken,
        LayerStream? stream = null)
    {
        var handoff = new PrefillHandoff { Stream = stream };
        Sequence sequence;
        try
        {
            int[] prompt = engine.Validate(request);
            sequence = engine.CreateSequence(request, prompt, useCache, handoff);
            await engine.AdmitAsync(sequence, request.WaitForAdmission, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            handoff.Fail(ex);
            throw;
        }
        using (cancellationToken.Register(() => engine.Loop.Abandon(sequence)))
            return await handoff.Task.ConfigureAwait(false);
    }

    /// <summary>A by-layer stream of blocks [<paramref name="fromBlock"/>, <paramref name="totalBlocks"/>) of a coming
    /// prefill over <paramref name="link"/>; pass it to <see cref="PrefillAsync"/>.</summary>
    public LayerStream CreateLayerStream(IKvTransport link, long transferId, int fromBlock, int totalBlocks, int layersPerGroup) =>
        new(link, transferId, fromBlock, totalBlocks, layersPerGroup, engine.Storage, engine.Pool, ReleaseBlocksAsync);

    private async Task ReleaseBlocksAsync(int[] blocks)
    {
        try
        {
            await engine.Loop.InvokeAsync(() =>
            {
                foreach (int block in blocks) engine.Pool.Release(block);
                return true;
            }).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The engine stopped; its pool is gone with it.
        }
    }

    /// <summary>Holds the longest cached prefix of <paramref name="tokens"/> (full blocks, brought onto the
    /// device); an empty hold when nothing is cached or the device has no room.</summary>
    public Task<KvHold> ExportCachedAsync(int[] tokens) => engine.Loop.InvokeAsync(() =>
    {
        MemPool? memPool = engine.MemPool;
        if (memPool is null) return KvHold.Empty;
        PrefixMatch match = memPool.Match(tokens);
        if (match.BlockCount == 0) return KvHold.Empty;
        memPool.Pin(match);
        if (!memPool.SwapIn(match) || match.BlockCount == 0)
        {
            memPool.Unpin(match);
            return KvHold.Empty;
        }
        var blocks = new int[match.BlockCount];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = match[i].BlockId;
            engine.Pool.Retain(blocks[i]);
        }
        return new KvHold(blocks, match.Last, match.MatchedTokens); // the match's pin is the hold's now
    });

    /// <summary>Sends blocks [<paramref name="fromBlock"/>, end) of <paramref name="hold"/> as one aggregated frame.</summary>
    public ValueTask SendAsync(KvHold hold, IKvTransport link, long transferId, int fromBlock, CancellationToken cancellationToken) =>
        KvTransferSender.SendAggregatedAsync(link, transferId, engine.Storage, hold.Blocks.AsMemory(fromBlock), cancellationToken);

    /// <summary>Releases a hold (idempotent; a no-op once the engine has stopped).</summary>
    public async Task ReleaseAsync(KvHold hold)
    {
        if (hold.Blocks.Length == 0 && hold.Pin is null) return;
        try
        {
            await engine.Loop.InvokeAsync(() => hold.Release(engine.Pool, engine.MemPool)).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The engine stopped; its pool is gone with it.
        }
    }

    /// <summary>Prepares to receive the KV of <paramref name="tokens"/> in <paramref name="totalBlocks"/> blocks: with
    /// <paramref name="matchOwn"/> the leading blocks this engine already caches are held instead of received; the
    /// rest are allocated (evicting cached blocks if needed). Nothing is published.</summary>
    /// <exception cref="MemoryBudgetExceededException">The pool cannot make room for the blocks.</exception>
    public Task<KvLanding> BeginLandingAsync(int[] tokens, int totalBlocks, bool matchOwn) => engine.Loop.InvokeAsync(() =>
    {
        MemPool? memPool = engine.MemPool;
        var blocks = new int[totalBlocks];
        int held = 0;
        PromptTreeNode? pin = null;
        if (matchOwn && memPool is not null)
        {
            PrefixMatch match = memPool.Match(tokens, Math.Min(totalBlocks, tokens.Length / BlockTokens));
            if (match.BlockCount > 0)
            {
                memPool.Pin(match);
                if (memPool.SwapIn(match))
                {
                    held = match.BlockCount;
                    pin = match.Last;
                    for (int i = 0; i < held; i++)
                    {
                        blocks[i] = match[i].BlockId;
                        engine.Pool.Retain(blocks[i]);
                    }
                }
                else memPool.Unpin(match);
            }
        }
        var landing = new KvLanding(new KvHold(blocks, pin, tokens.Length), held);
        if (!Allocate(memPool, blocks.AsSpan(held)))
        {
            new KvHold(blocks[..held], pin, 0).Release(engine.Pool, memPool);
            throw new MemoryBudgetExceededException(
                $"No room to receive {totalBlocks - held} KV blocks: every block of this engine's pool is in use.");
        }
        return landing;
    });

    /// <summary>Lands one transfer into the landing's new blocks (off the engine thread: nobody else sees them yet).</summary>
    public Task<KvTransferResult> ReceiveAsync(KvLanding landing, IKvTransport link, long transferId, CancellationToken cancellationToken)
    {
        var receiver = new KvTransferReceiver(engine.Storage, landing.Hold.Blocks.AsSpan(landing.HeldBlocks), transferId);
        return receiver.ReceiveAsync(link, cancellationToken);
    }

    /// <summary>After the data landed: with <paramref name="insert"/> publishes the full blocks of
    /// <paramref name="tokens"/> in the prompt tree (TransferWithInsert) and moves the landing's pin to the deepest;
    /// returns the blocks newly cached.</summary>
    public Task<int> PublishAsync(KvLanding landing, int[] tokens, bool insert) => engine.Loop.InvokeAsync(() =>
    {
        MemPool? memPool = engine.MemPool;
        if (!insert || memPool is null) return 0;
        KvHold hold = landing.Hold;
        int full = Math.Min(tokens.Length / BlockTokens, hold.Blocks.Length);
        int added = memPool.InsertCore(tokens.AsSpan(0, full * BlockTokens), hold.Blocks.AsSpan(0, full), out PromptTreeNode? last);
        if (last is not null && last.Depth > (hold.Pin?.Depth ?? 0))
        {
            memPool.Pin(last);
            memPool.Unpin(hold.Pin);
            hold.Pin = last;
        }
        return added;
    });

    /// <summary>Continues <paramref name="request"/> from imported prompt KV: the landed blocks become the
    /// sequence's, <paramref name="firstToken"/> (sampled by the prefill side) is its first output, and decoding goes
    /// on here. <paramref name="cachedPromptTokens"/> is reported in the usage.</summary>
    public async IAsyncEnumerable<GenerationUpdate> DecodeAsync(GenerationRequest request, int firstToken, TokenLogprobs? firstLogprobs,
        ReadOnlyMemory<ulong> generatorState, KvLanding landing, bool useCache, int cachedPromptTokens,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int[] prompt = engine.Validate(request);
        Sequence sequence = engine.CreateSequence(request, prompt, useCache);
        sequence.CachedPromptTokens = cachedPromptTokens;
        if (!generatorState.IsEmpty) sequence.RestoreGenerator(generatorState.Span);
        GenerationUpdate first = await engine.Loop.InvokeAsync(() =>
        {
            landing.Hold.MoveTo(sequence);
            sequence.ComputedTokens = prompt.Length;
            GenerationUpdate update = SequenceOutput.Accept(sequence, firstToken, engine.Time.GetTimestamp(), engine.Time, firstLogprobs);
            if (update.IsFinal) engine.Scheduler.Remove(sequence);
            return update;
        }).ConfigureAwait(false);
        bool handedOver = first.IsFinal;
        try
        {
            yield return first;
            if (first.IsFinal) yield break;
            handedOver = true; // from here the stream releases the blocks however it ends
            await foreach (GenerationUpdate update in engine.StreamAsync(sequence, request.WaitForAdmission, cancellationToken).ConfigureAwait(false))
                yield return update;
        }
        finally
        {
            if (!handedOver) await engine.ReleaseUnadmittedAsync(sequence).ConfigureAwait(false);
        }
    }

    private bool Allocate(MemPool? memPool, Span<int> blocks)
    {
        if (memPool is not null) return memPool.TryAllocate(MemoryTier.Device, blocks);
        if (!engine.Pool.CanAllocate(blocks.Length)) return false;
        for (int i = 0; i < blocks.Length; i++) blocks[i] = engine.Pool.Allocate();
        return true;
    }
}

/// <summary>Blocks prepared to receive a transfer: <see cref="HeldBlocks"/> leading blocks the receiver already
/// cached (held), then the blocks the data lands in. The hold owns them all until published or released.</summary>
internal sealed record KvLanding(KvHold Hold, int HeldBlocks)
{
    /// <summary>Blocks that must arrive.</summary>
    public int MissingBlocks => Hold.Blocks.Length - HeldBlocks;
}
