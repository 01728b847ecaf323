namespace MemServe.Transport;

/// <summary>What a frame carries. The value is the byte on the wire; a frame with any other value is
/// rejected as malformed.</summary>
public enum MessageType : byte
{
    /// <summary>KV of whole blocks, all layers, all blocks of one transfer in one frame (MemServe's
    /// aggregated "huge block" mode). Payload: <see cref="KvPayloadHeader"/> then block data.</summary>
    KvBlocks = 1,

    /// <summary>KV of one layer range of the transfer's blocks (by-layer streaming, one frame per range
    /// as prefill produces it). Payload as <see cref="KvBlocks"/>.</summary>
    KvLayers = 2,

    /// <summary>Residual-stream activations between pipeline stages (<see cref="HiddenStatesPayload"/>).</summary>
    HiddenStates = 3,

    /// <summary>A request to run (token ids and parameters, encoded by the caller).</summary>
    Request = 4,

    /// <summary>An instance cached blocks: chained block hashes, root first (<see cref="BlockHashesPayload"/>).</summary>
    InsertEvent = 5,

    /// <summary>An instance evicted blocks: chained block hashes (<see cref="BlockHashesPayload"/>).</summary>
    EvictEvent = 6,

    /// <summary>A health probe; the peer answers with <see cref="HealthReply"/> and the same correlation id.</summary>
    HealthProbe = 7,

    /// <summary>Answer to <see cref="HealthProbe"/>.</summary>
    HealthReply = 8,

    /// <summary>The receiver landed a transfer (or failed it); correlation id names the transfer.</summary>
    TransferAck = 9,

    /// <summary>Any other control message; the payload is the caller's.</summary>
    Control = 10,
}
