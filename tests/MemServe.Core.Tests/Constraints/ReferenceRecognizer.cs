using MemServe.Constraints;

namespace MemServe.Core.Tests.Constraints;

/// <summary>
/// The slow, obvious reference: a backtracking search over the parsed grammar (code points, no DFAs, no stacks
/// shared, no caches) that answers "can these bytes be continued into a sentence?" and "are they a sentence?".
/// Exponential in general; fine for the short inputs the tests feed it.
/// </summary>
internal sealed class ReferenceRecognizer
{
    private readonly GrammarRules _rules;
    private readonly int _root;
    private readonly bool[] _nullable;

    public ReferenceRecognizer(string gbnf)
    {
        _rules = GbnfParser.Parse(gbnf);
        _rules.TryGetId("root", out _root);
        _nullable = new bool[_rules.Names.Count];
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int r = 0; r < _nullable.Length; r++)
            {
                if (_nullable[r]) continue;
                foreach (var alt in _rules.Bodies[r]!)
                {
                    if (Array.TrueForAll(alt, i => i.Ranges is null && _nullable[i.Rule]))
                    {
                        _nullable[r] = changed = true;
                        break;
                    }
                }
            }
        }
    }

    /// <summary>True when some sentence starts with <paramref name="bytes"/>.</summary>
    public bool IsPrefix(byte[] bytes) => Search(new Node(GrammarItem.Ref(_root), null), bytes, 0, complete: false);

    /// <summary>True when <paramref name="bytes"/> is a whole sentence.</summary>
    public bool IsSentence(byte[] bytes) => Search(new Node(GrammarItem.Ref(_root), null), bytes, 0, complete: true);

    private sealed record Node(GrammarItem Item, Node? Next);

    private bool Search(Node? stack, byte[] input, int pos, bool complete)
    {
        if (pos == input.Length)
            return !complete || AllNullable(stack);
        if (stack is null)
            return false;
        var item = stack.Item;
        if (item.Ranges is { } ranges)
        {
            int length = Utf8Length(input[pos]);
            if (length == 0)
                return false;
            int available = Math.Min(length, input.Length - pos);
            for (int k = 1; k < available; k++)
            {
                if ((input[pos + k] & 0xC0) != 0x80)
                    return false;
            }
            var (lo, hi) = Span(input.AsSpan(pos, available), length);
            if (!Intersects(ranges, lo, hi))
                return false;
            if (available < length)
                return !complete && pos + available == input.Length;
            return Search(stack.Next, input, pos + length, complete);
        }
        foreach (var alt in _rules.Bodies[item.Rule]!)
        {
            var next = stack.Next;
            for (int i = alt.Length - 1; i >= 0; i--)
                next = new Node(alt[i], next);
            if (Search(next, input, pos, complete))
                return true;
        }
        return false;
    }

    private bool AllNullable(Node? stack)
    {
        for (; stack is not null; stack = stack.Next)
        {
            if (stack.Item.Ranges is not null || !_nullable[stack.Item.Rule])
                return false;
        }
        return true;
    }

    private static int Utf8Length(byte lead) =>
        lead < 0x80 ? 1 : lead < 0xC0 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 0;

    /// <summary>Code points whose <paramref name="length"/>-byte encoding starts with <paramref name="prefix"/>.</summary>
    private static (int Lo, int Hi) Span(ReadOnlySpan<byte> prefix, int length)
    {
        int lo = length == 1 ? prefix[0] : prefix[0] & (0xFF >> (length + 1)), hi = lo;
        for (int k = 1; k < length; k++)
        {
            lo = (lo << 6) | (k < prefix.Length ? prefix[k] & 0x3F : 0);
            hi = (hi << 6) | (k < prefix.Length ? prefix[k] & 0x3F : 0x3F);
        }
        int min = length switch { 1 => 0, 2 => 0x80, 3 => 0x800, _ => 0x10000 };
        int max = length switch { 1 => 0x7F, 2 => 0x7FF, 3 => 0xFFFF, _ => 0x10FFFF };
        return (Math.Max(lo, min), Math.Min(hi, max));
    }

    private static bool Intersects(int[] ranges, int lo, int hi)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            if (ranges[i] <= hi && ranges[i + 1] >= lo)
                return true;
        }
        return false;
    }
}
