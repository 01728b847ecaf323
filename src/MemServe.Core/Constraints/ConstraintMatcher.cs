using System.Numerics;

namespace MemServe.Constraints;

/// <summary>
/// One sequence's position in an <see cref="OutputConstraint"/>'s grammar, over the bytes of a
/// <see cref="TokenVocabulary"/>. Masks are computed by walking the vocabulary's byte trie with the recognizer and
/// cached per recognizer state on the constraint (shared by every matcher of that constraint and vocabulary), so a
/// repeated state costs one bitmap read. Mutable and not thread-safe: one matcher per generating sequence.
/// </summary>
public sealed class ConstraintMatcher
{
    private readonly OutputConstraint _constraint;
    private readonly TokenVocabulary _vocabulary;
    private readonly MaskCache _cache;
    private readonly StackSets _sets;
    private StackArena _arena = new(), _spare = new();
    private readonly Dictionary<int, int> _copied = [];
    private int[] _current = [];
    private bool _currentEnd;
    private (ulong, ulong) _key;
    private readonly int[] _setAtDepth;

    /// <summary>Creates a matcher at the start of <paramref name="constraint"/>'s grammar.</summary>
    public ConstraintMatcher(OutputConstraint constraint, TokenVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        ArgumentNullException.ThrowIfNull(vocabulary);
        _constraint = constraint;
        _vocabulary = vocabulary;
        _cache = constraint.CacheFor(vocabulary);
        _sets = new StackSets(constraint.Grammar, _arena);
        _setAtDepth = new int[vocabulary.Trie.MaxDepth + 1];
        Reset();
    }

    /// <summary>The bytes accepted so far form a complete sentence of the grammar (the engine may allow EOS).</summary>
    public bool CanEnd => _currentEnd;

    /// <summary>The bytes accepted so far are complete and nothing may follow (the engine finishes the sequence).</summary>
    public bool MustEnd => _currentEnd && _current.Length == 0;

    /// <summary>The constraint this matcher follows.</summary>
    public OutputConstraint Constraint => _constraint;

    /// <summary>Back to the start of the grammar.</summary>
    public void Reset()
    {
        _arena.Count = 0;
        _sets.Arena = _arena;
        _sets.Clear();
        Commit(_sets.Initial());
    }

    /// <summary>Sets every logit whose token the grammar does not allow next to −∞: tokens without bytes (special
    /// tokens, EOS included) and ids at or beyond <see cref="TokenVocabulary.Count"/> always. Only
    /// <paramref name="logits"/> mutates.</summary>
    public void MaskLogits(Span<float> logits)
    {
        ReadOnlySpan<ulong> mask = CurrentMask();
        int count = Math.Min(logits.Length, _vocabulary.Count);
        for (int w = 0; w * 64 < count; w++)
        {
            ulong bits = mask[w];
            if (bits == ulong.MaxValue)
                continue;
            int start = w * 64, end = Math.Min(start + 64, count);
            if (bits == 0)
            {
                logits[start..end].Fill(float.NegativeInfinity);
                continue;
            }
            ulong denied = ~bits;
            while (denied != 0)
            {
                int t = start + BitOperations.TrailingZeroCount(denied);
                if (t >= end)
                    break;
                logits[t] = float.NegativeInfinity;
                denied &= denied - 1;
            }
        }
        if (logits.Length > count)
            logits[count..].Fill(float.NegativeInfinity);
    }

    /// <summary>True when at least one token may come next (a word of the current mask is non-zero); false when the
    /// grammar needs bytes no token of the vocabulary spells. Reads the cached mask (computing it if needed).</summary>
    public bool AnyTokenAllowed
    {
        get
        {
            foreach (ulong word in CurrentMask())
                if (word != 0) return true;
            return false;
        }
    }

    /// <summary>The same decision as <see cref="MaskLogits"/> as a bitmask: bit t of <c>mask[t &gt;&gt; 6]</c> set = token
    /// t allowed. <paramref name="mask"/> must hold at least <c>(Count + 63) / 64</c> words; extra words are cleared.</summary>
    public void FillAllowed(Span<ulong> mask)
    {
        int words = (_vocabulary.Count + 63) / 64;
        if (mask.Length < words)
            throw new ArgumentException($"the mask holds {mask.Length} words; the vocabulary needs {words}", nameof(mask));
        CurrentMask().CopyTo(mask);
        mask[words..].Clear();
    }

    /// <summary>True when <paramref name="tokenId"/> may come next (its bytes continue the grammar).</summary>
    public bool IsAllowed(int tokenId)
    {
        int committed = _arena.Count;
        bool allowed = Walk(tokenId) >= 0;
        _arena.Count = committed;
        return allowed;
    }

    /// <summary>Advances past <paramref name="tokenId"/>'s bytes. Throws <see cref="InvalidOperationException"/> when
    /// the token is not allowed (the state is then unchanged).</summary>
    public void Accept(int tokenId)
    {
        int committed = _arena.Count;
        int set = Walk(tokenId);
        if (set < 0)
        {
            _arena.Count = committed;
            throw new InvalidOperationException($"token {tokenId} is not allowed by the {_constraint.Description} constraint here");
        }
        Commit(set);
    }

    private int Walk(int tokenId)
    {
        var bytes = _vocabulary.Bytes(tokenId);
        if (bytes.IsEmpty)
            return -1;
        _sets.Clear();
        int set = _sets.Intern(_current, _currentEnd);
        foreach (byte b in bytes)
        {
            set = _sets.Step(set, b);
            if (set < 0)
                return -1;
        }
        return set;
    }

    private void Commit(int set)
    {
        // Copy the live stacks into the spare arena, dropping the nodes of walks and dead stacks.
        var members = _sets.Members(set);
        _spare.Count = 0;
        _copied.Clear();
        if (_current.Length != members.Length)
            _current = new int[members.Length];
        for (int i = 0; i < members.Length; i++)
            _current[i] = _spare.CopyFrom(_arena, members[i], _copied);
        _currentEnd = _sets.CanEnd(set);
        _key = _sets.Key(set);
        (_arena, _spare) = (_spare, _arena);
        _sets.Arena = _arena;
        _sets.Clear();
    }

    private ulong[] CurrentMask()
    {
        if (_cache.TryGet(_key, out ulong[]? cached))
            return cached;
        var mask = new ulong[(_vocabulary.Count + 63) / 64];
        int committed = _arena.Count;
        _sets.Clear();
        ComputeMask(_sets.Intern(_current, _currentEnd), mask);
        _sets.Clear();
        _arena.Count = committed;
        _cache.Add(_key, mask);
        return mask;
    }

    private void ComputeMask(int root, ulong[] mask)
    {
        var trie = _vocabulary.Trie;
        byte[] label = trie.Label;
        int[] depth = trie.Depth, subtreeEnd = trie.SubtreeEnd, tokenStart = trie.TokenStart, tokenCount = trie.TokenCount;
        int[] order = trie.TokenOrder;
        int[] setAt = _setAtDepth;
        setAt[0] = root;
        int n = trie.NodeCount;
        int[] transitions = _sets.Transitions;
        for (int i = 1; i < n;)
        {
            int d = depth[i];
            int set = transitions[setAt[d - 1] * 256 + label[i]];
            if (set == StackSets.Unknown)
            {
                set = _sets.Step(setAt[d - 1], label[i]);
                transitions = _sets.Transitions;
            }
            if (set < 0)
            {
                i = subtreeEnd[i];
                continue;
            }
            setAt[d] = set;
            for (int k = tokenStart[i], e = k + tokenCount[i]; k < e; k++)
            {
                int t = order[k];
                mask[t >> 6] |= 1UL << (t & 63);
            }
            i++;
        }
    }
}
