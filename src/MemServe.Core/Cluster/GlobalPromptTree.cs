using MemServe.Memory;

namespace MemServe.Cluster;

/// <summary>
/// The global scheduler's directory of which instance (of one role) caches which prompt prefix, keyed by
/// chained block hashes (<see cref="BlockHasher"/>) of <see cref="BlockTokens"/>-token blocks. Because a
/// chained hash names a whole prefix, the tree is stored flat: hash → holders, and a match walks the
/// prompt's hashes while an instance keeps holding every block so far. Fed by instance insert and evict
/// events; every entry also expires <see cref="EntryTtl"/> after its last insert, a safety net for lost
/// events (a stale hit only costs the instance a local miss). Thread-safe (one lock).
/// </summary>
public sealed class GlobalPromptTree
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, List<Holder>> _entries = [];
    private readonly TimeProvider _time;
    private readonly long _ttlTimestamp;
    private long _lastSweep;

    /// <summary>Creates an empty tree for <paramref name="role"/>.</summary>
    public GlobalPromptTree(InstanceRole role, TimeSpan entryTtl, TimeProvider? timeProvider = null,
        int blockTokens = KvCacheLayout.DefaultBlockTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(entryTtl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockTokens, 1);
        Role = role;
        EntryTtl = entryTtl;
        BlockTokens = blockTokens;
        _time = timeProvider ?? TimeProvider.System;
        _ttlTimestamp = (long)(entryTtl.TotalSeconds * _time.TimestampFrequency);
        _lastSweep = _time.GetTimestamp();
    }

    /// <summary>The role whose instances this tree indexes.</summary>
    public InstanceRole Role { get; }

    /// <summary>How long an entry lives after its last insert event.</summary>
    public TimeSpan EntryTtl { get; }

    /// <summary>Tokens per block.</summary>
    public int BlockTokens { get; }

    /// <summary>Distinct block hashes indexed (expired ones included until swept).</summary>
    public int EntryCount
    {
        get { lock (_lock) return _entries.Count; }
    }

    /// <summary>Records that <paramref name="instanceId"/> caches the blocks of <paramref name="chainedHashes"/>
    /// (an insert event); refreshes their expiry.</summary>
    public void Insert(string instanceId, ReadOnlySpan<ulong> chainedHashes)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            SweepIfDue(now);
            foreach (ulong hash in chainedHashes)
            {
                if (!_entries.TryGetValue(hash, out List<Holder>? holders)) _entries[hash] = holders = new List<Holder>(2);
                int at = IndexOf(holders, instanceId);
                if (at >= 0) holders[at] = new Holder(instanceId, now + _ttlTimestamp);
                else holders.Add(new Holder(instanceId, now + _ttlTimestamp));
            }
        }
    }

    /// <summary>Records that <paramref name="instanceId"/> caches every full block of <paramref name="tokens"/>.</summary>
    public void InsertTokens(string instanceId, ReadOnlySpan<int> tokens) =>
        Insert(instanceId, BlockHasher.ChainAll(tokens, BlockTokens));

    /// <summary>Records that <paramref name="instanceId"/> evicted the blocks of <paramref name="chainedHashes"/>.</summary>
    public void Evict(string instanceId, ReadOnlySpan<ulong> chainedHashes)
    {
        lock (_lock)
        {
            foreach (ulong hash in chainedHashes)
                if (_entries.TryGetValue(hash, out List<Holder>? holders)) RemoveHolder(hash, holders, instanceId);
        }
    }

    /// <summary>Forgets everything <paramref name="instanceId"/> held (it left the cluster or restarted).</summary>
    public void RemoveInstance(string instanceId)
    {
        lock (_lock)
        {
            foreach ((ulong hash, List<Holder> holders) in _entries.ToArray()) RemoveHolder(hash, holders, instanceId);
        }
    }

    /// <summary>Per instance, how many leading tokens of <paramref name="promptTokens"/> it holds (whole blocks,
    /// contiguous from the start, unexpired).</summary>
    public InstancePrefixMatch Match(ReadOnlySpan<int> promptTokens)
    {
        long now = _time.GetTimestamp();
        var matched = new Dictionary<string, int>();
        var alive = new List<string>();
        int blocks = promptTokens.Length / BlockTokens;
        ulong parent = BlockHasher.Root;
        lock (_lock)
        {
            for (int b = 0; b < blocks; b++)
            {
                parent = BlockHasher.Chain(parent, promptTokens.Slice(b * BlockTokens, BlockTokens));
                if (!_entries.TryGetValue(parent, out List<Holder>? holders)) break;
                if (b == 0)
                {
                    foreach (Holder h in holders)
                        if (h.ExpiresAt > now) alive.Add(h.InstanceId);
                }
                else
                {
                    alive.RemoveAll(id => IndexOfLive(holders, id, now) < 0);
                }
                if (alive.Count == 0) break;
                foreach (string id in alive) matched[id] = (b + 1) * BlockTokens;
            }
        }
        return new InstancePrefixMatch(promptTokens.Length, matched);
    }

    /// <summary>Drops expired entries now; returns how many holder records went. Also runs by itself
    /// at most once per TTL during inserts.</summary>
    public int RemoveExpired()
    {
        lock (_lock) return Sweep(_time.GetTimestamp());
    }

    private void SweepIfDue(long now)
    {
        if (now - _lastSweep >= _ttlTimestamp) Sweep(now);
    }

    private int Sweep(long now)
    {
        _lastSweep = now;
        int removed = 0;
        foreach ((ulong hash, List<Holder> holders) in _entries.ToArray())
        {
            removed += holders.RemoveAll(h => h.ExpiresAt <= now);
            if (holders.Count == 0) _entries.Remove(hash);
        }
        return removed;
    }

    private void RemoveHolder(ulong hash, List<Holder> holders, string instanceId)
    {
        int at = IndexOf(holders, instanceId);
        if (at < 0) return;
        holders.RemoveAt(at);
        if (holders.Count == 0) _entries.Remove(hash);
    }

    private static int IndexOf(List<Holder> holders, string instanceId)
    {
        for (int i = 0; i < holders.Count; i++)
            if (holders[i].InstanceId == instanceId) return i;
        return -1;
    }

    private static int IndexOfLive(List<Holder> holders, string instanceId, long now)
    {
        int at = IndexOf(holders, instanceId);
        return at >= 0 && holders[at].ExpiresAt > now ? at : -1;
    }

    private readonly record struct Holder(string InstanceId, long ExpiresAt);
}
