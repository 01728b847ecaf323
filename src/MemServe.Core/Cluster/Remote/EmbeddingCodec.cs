using MemServe.Engine;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Encodes <see cref="RemoteOp.Embed"/> and its <see cref="RemoteOp.EmbedReply"/>. Request:
/// <c>[u8 op][i32 n texts, -1 none][string × n][i32 m token lists, -1 none][i32[] × m][u8 pooling, 255 engine default]
/// [i32 dimensions, 0 all][u8 flags: 1 normalize, 2 add special tokens, 4 wait for admission]</c>. Reply:
/// <c>[u8 op][i32 prompt tokens][i32 vectors][i32 dimensions][f32 × vectors × dimensions]</c>. Stateless; the host's
/// engine validates the values as it would a local caller's.
/// </summary>
internal static class EmbeddingCodec
{
    private const byte NormalizeFlag = 1, AddSpecialTokensFlag = 2, WaitForAdmissionFlag = 4, DefaultPooling = 255;

    public static void WriteRequest(WireWriter w, EmbeddingRequest request)
    {
        w.WriteByte((byte)RemoteOp.Embed);
        w.WriteInt32(request.Inputs?.Count ?? -1);
        if (request.Inputs is { } texts) foreach (string text in texts) w.WriteString(text);
        w.WriteInt32(request.TokenInputs?.Count ?? -1);
        if (request.TokenInputs is { } lists) foreach (IReadOnlyList<int> ids in lists) w.WriteInt32List(ids);
        w.WriteByte(request.Pooling is { } pooling ? (byte)pooling : DefaultPooling);
        w.WriteInt32(request.Dimensions ?? 0);
        w.WriteByte((byte)((request.Normalize ? NormalizeFlag : 0)
            | (request.AddSpecialTokens ? AddSpecialTokensFlag : 0)
            | (request.WaitForAdmission ? WaitForAdmissionFlag : 0)));
    }

    /// <summary>Decodes a request; a malformed payload throws <see cref="Transport.KvTransportException"/>.</summary>
    public static EmbeddingRequest ReadRequest(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        if ((RemoteOp)r.ReadByte() != RemoteOp.Embed) RemoteThrowHelper.ThrowProtocol("expected an embedding request");
        int texts = Count(ref r);
        string[]? inputs = texts < 0 ? null : new string[texts];
        for (int i = 0; i < texts; i++) inputs![i] = r.ReadString() ?? RemoteThrowHelper.ProtocolViolation<string>("null embedding input");
        int lists = Count(ref r);
        int[][]? tokenInputs = lists < 0 ? null : new int[lists][];
        for (int i = 0; i < lists; i++) tokenInputs![i] = r.ReadInt32List() ?? RemoteThrowHelper.ProtocolViolation<int[]>("null token input");
        byte pooling = r.ReadByte();
        int dimensions = r.ReadInt32();
        byte flags = r.ReadByte();
        r.EnsureEnd();
        return new EmbeddingRequest
        {
            Inputs = inputs,
            TokenInputs = tokenInputs,
            Pooling = pooling == DefaultPooling ? null : (EmbeddingPooling)pooling,
            Dimensions = dimensions == 0 ? null : dimensions,
            Normalize = (flags & NormalizeFlag) != 0,
            AddSpecialTokens = (flags & AddSpecialTokensFlag) != 0,
            WaitForAdmission = (flags & WaitForAdmissionFlag) != 0,
        };
    }

    public static void WriteReply(WireWriter w, EmbeddingResult result)
    {
        w.WriteByte((byte)RemoteOp.EmbedReply);
        w.WriteInt32(result.PromptTokens);
        w.WriteInt32(result.Embeddings.Count);
        w.WriteInt32(result.Dimensions);
        foreach (float[] vector in result.Embeddings)
            foreach (float value in vector) w.WriteSingle(value);
    }

    public static EmbeddingResult ReadReply(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        if ((RemoteOp)r.ReadByte() != RemoteOp.EmbedReply) RemoteThrowHelper.ThrowProtocol("expected an embedding reply");
        int tokens = r.ReadInt32(), count = Count(ref r), dimensions = Count(ref r);
        if (count < 0 || dimensions < 0 || (long)count * dimensions * sizeof(float) > r.Remaining)
            RemoteThrowHelper.ThrowProtocol($"embedding reply of {count} × {dimensions} floats in {r.Remaining} bytes");
        var vectors = new float[count][];
        for (int i = 0; i < count; i++)
        {
            vectors[i] = new float[dimensions];
            for (int j = 0; j < dimensions; j++) vectors[i][j] = r.ReadSingle();
        }
        r.EnsureEnd();
        return new EmbeddingResult(vectors, tokens);
    }

    // A count that must be -1 (none) or fit the payload's remaining bytes at one byte each at least.
    private static int Count(ref WireReader r)
    {
        int count = r.ReadInt32();
        if (count < -1 || count > r.Remaining) RemoteThrowHelper.ThrowProtocol($"count {count} with {r.Remaining} bytes left");
        return count;
    }
}
