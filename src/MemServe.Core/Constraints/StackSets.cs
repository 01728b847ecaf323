namespace MemServe.Constraints;

/// <summary>
/// The recognizer: interned sets of grammar stacks (one set = every way the bytes read so far can continue, plus
/// whether they already form a complete sentence) and their memoized byte transitions, which make a vocabulary walk
/// cost about one table lookup per trie node. Sets live until <see cref="Clear"/>; nodes are appended to
/// <see cref="Arena"/> after its committed part. Not thread-safe; owned by one matcher.
/// </summary>
internal sealed class StackSets
{
    /// <summary>A transition not computed yet in <see cref="Transitions"/>.</summary>
    public const int Unknown = -2;
    private readonly CompiledGrammar _grammar;
    private readonly Dictionary<(ulong, ulong), int> _interned = [];
    private readonly List<int> _scratch = [];
    private bool _scratchEnd;
    private int[] _members = new int[256];
    private int _memberCount;
    private int[] _start = new int[16], _length = new int[16];
    private bool[] _canEnd = new bool[16];
    private (ulong, ulong)[] _key = new (ulong, ulong)[16];
    private int[] _transitions = new int[16 * 256];
    private int _count;

    public StackSets(CompiledGrammar grammar, StackArena arena)
    {
        _grammar = grammar;
        Arena = arena;
    }

    public StackArena Arena { get; set; }

    public void Clear()
    {
        _interned.Clear();
        _count = 0;
        _memberCount = 0;
    }

    /// <summary>(sets × 256) memoized <see cref="Step"/> results, <see cref="Unknown"/> where not computed yet. The
    /// array is replaced when it grows, so read it again after calling <see cref="Step"/>.</summary>
    public int[] Transitions => _transitions;

    public ReadOnlySpan<int> Members(int set) => _members.AsSpan(_start[set], _length[set]);

    public bool CanEnd(int set) => _canEnd[set];

    /// <summary>128-bit content key of a set: equal for equal stack sets in any matcher of the same grammar.</summary>
    public (ulong, ulong) Key(int set) => _key[set];

    /// <summary>The set of the start of the grammar.</summary>
    public int Initial()
    {
        BeginScratch();
        ExpandAt(0, -1);
        return InternScratch();
    }

    /// <summary>The set reached from <paramref name="set"/> by byte <paramref name="b"/>, or −1 when no stack reads it.</summary>
    public int Step(int set, byte b)
    {
        int slot = set * 256 + b;
        int known = _transitions[slot];
        if (known != Unknown)
            return known;
        BeginScratch();
        int[] next = _grammar.Next;
        var arena = Arena;
        int start = _start[set], end = start + _length[set];
        for (int i = start; i < end; i++)
        {
            int node = _members[i];
            int moved = next[arena.State[node] * 256 + b];
            if (moved == CompiledGrammar.Dead)
                continue;
            if (moved == CompiledGrammar.Accept)
                ExpandAt(arena.Pos[node] + 1, arena.Parent[node]);
            else
                AddStack(arena.New(arena.Pos[node], moved, arena.Parent[node]));
        }
        int result = _scratch.Count == 0 && !_scratchEnd ? -1 : InternScratch();
        _transitions[slot] = result;
        return result;
    }

    /// <summary>Interns an explicit set of stacks (top nodes in <see cref="Arena"/>).</summary>
    public int Intern(ReadOnlySpan<int> stacks, bool canEnd)
    {
        BeginScratch();
        foreach (int s in stacks)
            AddStack(s);
        _scratchEnd = canEnd;
        return InternScratch();
    }

    private void BeginScratch()
    {
        _scratch.Clear();
        _scratchEnd = false;
    }

    private void ExpandAt(int pos, int parent)
    {
        int[] elements = _grammar.Elements;
        while (true)
        {
            int e = elements[pos];
            if (e >= 0)
            {
                AddStack(Arena.New(pos, e, parent));
                return;
            }
            if (e == CompiledGrammar.End)
            {
                if (parent < 0)
                {
                    _scratchEnd = true;
                    return;
                }
                // Pop: continue at the return position; a terminal there is already a stack top.
                if (elements[Arena.Pos[parent]] >= 0)
                {
                    AddStack(parent);
                    return;
                }
                pos = Arena.Pos[parent];
                parent = Arena.Parent[parent];
                continue;
            }
            int after = elements[pos + 1];
            int cont = after == CompiledGrammar.End ? parent : Arena.New(pos + 1, after >= 0 ? after : 0, parent);
            foreach (int alt in _grammar.Alternatives[-2 - e])
                ExpandAt(alt, cont);
            return;
        }
    }

    private void AddStack(int node)
    {
        ulong hash = Arena.Hash[node];
        foreach (int other in _scratch)
        {
            if (Arena.Hash[other] == hash)
                return;
        }
        _scratch.Add(node);
    }

    private int InternScratch()
    {
        ulong a = _scratchEnd ? 0x5bd1e995UL : 0, b = _scratchEnd ? 0x27d4eb2fUL : 0;
        foreach (int node in _scratch)
        {
            ulong h = Arena.Hash[node];
            a += StackArena.Mix(h);
            b ^= StackArena.Mix(h + 0x632BE59BD9B4E019UL);
        }
        var key = (a, b ^ (ulong)_scratch.Count);
        if (_interned.TryGetValue(key, out int existing))
            return existing;
        if (_count == _start.Length)
        {
            int size = _count * 2;
            Array.Resize(ref _start, size);
            Array.Resize(ref _length, size);
            Array.Resize(ref _canEnd, size);
            Array.Resize(ref _key, size);
            Array.Resize(ref _transitions, size * 256);
        }
        if (_memberCount + _scratch.Count > _members.Length)
            Array.Resize(ref _members, Math.Max(_members.Length * 2, _memberCount + _scratch.Count));
        int id = _count++;
        _start[id] = _memberCount;
        _length[id] = _scratch.Count;
        for (int i = 0; i < _scratch.Count; i++)
            _members[_memberCount++] = _scratch[i];
        _canEnd[id] = _scratchEnd;
        _key[id] = key;
        _transitions.AsSpan(id * 256, 256).Fill(Unknown);
        _interned[key] = id;
        return id;
    }
}
