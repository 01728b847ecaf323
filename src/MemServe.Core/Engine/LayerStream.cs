using System.Threading.Channels;
using MemServe.Memory;
using MemServe.Runner;
using MemServe.Transport;

namespace MemServe.Engine;

/// <summary>
/// By-layer KV streaming of one prefill-only request: the engine thread runs the step that completes the prompt in
/// layer groups and, after each group, <see cref="Publish"/>es the finished range; a sender task (off the engine
/// thread) sends each range of blocks [FromBlock, TotalBlocks) as one <see cref="MessageType.KvLayers"/> frame.
/// Before the first range the engine thread takes one pool reference on those blocks (<see cref="Begin"/>), so the
/// sender reads them safely whatever happens to the request; the sender releases them (posted to the engine thread)
/// once it is done. A failed request fails the stream, which closes the link so the receiver stops waiting.
/// </summary>
internal sealed class LayerStream
{
    private readonly Channel<(LayerRange Range, bool Last)> _ranges =
        Channel.CreateUnbounded<(LayerRange, bool)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly IKvTransport _link;
    private readonly long _transferId;
    private readonly KvBlockStorage _storage;
    private readonly KvBlockPool _pool;
    private readonly Func<int[], Task> _release;
    private readonly TaskCompletionSource<int[]> _blocks = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LayerStream(IKvTransport link, long transferId, int fromBlock, int totalBlocks, int layersPerGroup,
        KvBlockStorage storage, KvBlockPool pool, Func<int[], Task> release)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layersPerGroup, 1);
        _link = link;
        _transferId = transferId;
        FromBlock = fromBlock;
        TotalBlocks = totalBlocks;
        LayersPerGroup = layersPerGroup;
        _storage = storage;
        _pool = pool;
        _release = release;
        Completion = Task.Run(SendAllAsync);
    }

    /// <summary>First block sent (the receiver already holds the ones before).</summary>
    public int FromBlock { get; }

    /// <summary>The prompt's blocks.</summary>
    public int TotalBlocks { get; }

    /// <summary>Layers per frame (and per forward group).</summary>
    public int LayersPerGroup { get; }

    /// <summary>True once <see cref="Begin"/> ran. Engine thread.</summary>
    public bool Started { get; private set; }

    /// <summary>Completes when every range was sent (or fails when the stream failed); the retained blocks are
    /// released by then.</summary>
    public Task Completion { get; }

    /// <summary>Retains blocks [FromBlock, TotalBlocks) of <paramref name="sequenceBlocks"/>. Engine thread.</summary>
    public void Begin(ReadOnlySpan<int> sequenceBlocks)
    {
        if (sequenceBlocks.Length < TotalBlocks)
            throw new InvalidOperationException($"The request holds {sequenceBlocks.Length} blocks; its prompt needs {TotalBlocks}.");
        int[] blocks = sequenceBlocks[FromBlock..TotalBlocks].ToArray();
        foreach (int block in blocks) _pool.Retain(block);
        Started = true;
        _blocks.TrySetResult(blocks);
    }

    /// <summary>Layers <paramref name="range"/> of every block are final. Engine thread.</summary>
    public void Publish(LayerRange range, bool last)
    {
        _ranges.Writer.TryWrite((range, last));
        if (last) _ranges.Writer.TryComplete();
    }

    /// <summary>Ends the stream with <paramref name="error"/> (no effect once every range was published). Any thread.</summary>
    public void Fail(Exception error)
    {
        _ranges.Writer.TryComplete(error);
        _blocks.TrySetException(error);
    }

    private async Task SendAllAsync()
    {
        int[]? blocks = null;
        try
        {
            blocks = await _blocks.Task.ConfigureAwait(false);
            int sequence = 0;
            bool last = false;
            while (!last)
            {
                (LayerRange range, last) = await _ranges.Reader.ReadAsync().ConfigureAwait(false);
                await KvTransferSender.SendLayersAsync(_link, _transferId, sequence++, _storage, blocks, range, last).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _ranges.Writer.TryComplete(ex);
            await _link.DisposeAsync().ConfigureAwait(false); // the receiver stops waiting
            throw;
        }
        finally
        {
            if (blocks is not null) await _release(blocks).ConfigureAwait(false);
        }
    }
}
