namespace MemServe.Constraints;

/// <summary>
/// Grammar stacks as persistent linked nodes in flat arrays: node = (grammar position, DFA state, parent node).
/// The top node of a stack points at a terminal (its DFA state says how much of the character is read); parent
/// nodes are return positions. <see cref="Hash"/> is a content hash (equal stacks hash equal in every arena), which
/// dedups stacks and keys the mask cache. Not thread-safe; owned by one matcher.
/// </summary>
internal sealed class StackArena
{
    public int[] Pos = new int[256];
    public int[] State = new int[256];
    public int[] Parent = new int[256];
    public ulong[] Hash = new ulong[256];
    public int Count;

    public const ulong BottomHash = 0x9E3779B97F4A7C15UL;

    public int New(int pos, int state, int parent)
    {
        if (Count == Pos.Length)
            Grow();
        int id = Count++;
        Pos[id] = pos;
        State[id] = state;
        Parent[id] = parent;
        Hash[id] = Mix((parent < 0 ? BottomHash : Hash[parent]) ^ ((ulong)(uint)pos << 32 | (uint)state));
        return id;
    }

    /// <summary>Copies the stack at <paramref name="node"/> of <paramref name="from"/> into this arena, sharing
    /// nodes already copied (<paramref name="copied"/> maps old ids to new ones).</summary>
    public int CopyFrom(StackArena from, int node, Dictionary<int, int> copied)
    {
        if (node < 0)
            return -1;
        if (copied.TryGetValue(node, out int id))
            return id;
        int parent = CopyFrom(from, from.Parent[node], copied);
        id = New(from.Pos[node], from.State[node], parent);
        copied[node] = id;
        return id;
    }

    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private void Grow()
    {
        int size = Pos.Length * 2;
        Array.Resize(ref Pos, size);
        Array.Resize(ref State, size);
        Array.Resize(ref Parent, size);
        Array.Resize(ref Hash, size);
    }
}
