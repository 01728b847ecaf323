using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MemServe.Memory;

/// <summary>The header of one disk block file (what the tree needs to relink it after a restart).</summary>
/// <param name="ChainHash">The prefix's chain hash (also the file name).</param>
/// <param name="ParentChain">The parent prefix's chain hash (<see cref="BlockHash.RootChain"/> for a first block).</param>
/// <param name="Depth">Blocks from the root.</param>
/// <param name="Tokens">The block's token ids.</param>
internal sealed record DiskBlockHeader(ulong ChainHash, ulong ParentChain, int Depth, int[] Tokens);

/// <summary>
/// The byte format of a disk block file, little-endian: magic <c>MSKV</c>, version, model fingerprint,
/// chain hash, parent chain hash, depth, block tokens, payload bytes, the block's token ids, the KV
/// payload (the device block's floats, as laid out by <see cref="KvCacheLayout"/>), then a checksum of
/// everything before it. A file that is short, long, of another model or fails its checksum is rejected.
/// </summary>
internal static class DiskBlockFile
{
    private const uint Magic = 0x564B534D; // "MSKV"
    private const uint Version = 1;
    private const int FixedHeaderBytes = 4 + 4 + 8 + 8 + 8 + 4 + 4 + 8;

    /// <summary>Total file size for one block of <paramref name="layout"/>.</summary>
    public static long FileBytes(KvCacheLayout layout) => PayloadOffset(layout) + layout.BlockBytes + sizeof(ulong);

    private static int PayloadOffset(KvCacheLayout layout) => FixedHeaderBytes + layout.BlockTokens * sizeof(int);

    /// <summary>Fills <paramref name="file"/> (exactly <see cref="FileBytes"/> long) with one block.</summary>
    public static void Encode(Span<byte> file, KvCacheLayout layout, ulong fingerprint, DiskBlockHeader header, ReadOnlySpan<float> payload)
    {
        int o = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(file[o..], Magic); o += 4;
        BinaryPrimitives.WriteUInt32LittleEndian(file[o..], Version); o += 4;
        BinaryPrimitives.WriteUInt64LittleEndian(file[o..], fingerprint); o += 8;
        BinaryPrimitives.WriteUInt64LittleEndian(file[o..], header.ChainHash); o += 8;
        BinaryPrimitives.WriteUInt64LittleEndian(file[o..], header.ParentChain); o += 8;
        BinaryPrimitives.WriteInt32LittleEndian(file[o..], header.Depth); o += 4;
        BinaryPrimitives.WriteInt32LittleEndian(file[o..], layout.BlockTokens); o += 4;
        BinaryPrimitives.WriteInt64LittleEndian(file[o..], layout.BlockBytes); o += 8;
        for (int i = 0; i < layout.BlockTokens; i++, o += 4) BinaryPrimitives.WriteInt32LittleEndian(file[o..], header.Tokens[i]);
        MemoryMarshal.AsBytes(payload).CopyTo(file[o..]);
        o += (int)layout.BlockBytes;
        BinaryPrimitives.WriteUInt64LittleEndian(file[o..], BlockHash.Checksum(file[..o], fingerprint));
    }

    /// <summary>Validates <paramref name="file"/> and returns its header, or null with <paramref name="reason"/>.</summary>
    public static DiskBlockHeader? Decode(ReadOnlySpan<byte> file, KvCacheLayout layout, ulong fingerprint, out string reason)
    {
        long expected = FileBytes(layout);
        if (file.Length != expected)
        {
            reason = $"{file.Length} bytes, expected {expected} (truncated or not a block of this layout)";
            return null;
        }
        int end = file.Length - sizeof(ulong);
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(file[4..]) != Version)
        {
            reason = "bad magic or version";
            return null;
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(file[8..]) != fingerprint)
        {
            reason = "written for another model fingerprint";
            return null;
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(file[end..]) != BlockHash.Checksum(file[..end], fingerprint))
        {
            reason = "checksum mismatch (corrupt)";
            return null;
        }
        int depth = BinaryPrimitives.ReadInt32LittleEndian(file[32..]);
        if (BinaryPrimitives.ReadInt32LittleEndian(file[36..]) != layout.BlockTokens || depth < 1 ||
            BinaryPrimitives.ReadInt64LittleEndian(file[40..]) != layout.BlockBytes)
        {
            reason = "block geometry does not match";
            return null;
        }
        var tokens = new int[layout.BlockTokens];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = BinaryPrimitives.ReadInt32LittleEndian(file[(FixedHeaderBytes + i * 4)..]);
        reason = "";
        return new DiskBlockHeader(BinaryPrimitives.ReadUInt64LittleEndian(file[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(file[24..]), depth, tokens);
    }

    /// <summary>The KV payload of a validated file.</summary>
    public static ReadOnlySpan<float> Payload(ReadOnlySpan<byte> file, KvCacheLayout layout) =>
        MemoryMarshal.Cast<byte, float>(file.Slice(PayloadOffset(layout), (int)layout.BlockBytes));
}
