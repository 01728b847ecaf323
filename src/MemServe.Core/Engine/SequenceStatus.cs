namespace MemServe.Engine;

/// <summary>Where a <see cref="Sequence"/> is in its life. Only the engine thread changes it.</summary>
internal enum SequenceStatus
{
    /// <summary>In the admission channel; the engine has not seen it yet.</summary>
    Queued,
    /// <summary>In the scheduler's waiting queue, holding no KV blocks.</summary>
    Waiting,
    /// <summary>Holding KV blocks: prefilling or decoding.</summary>
    Running,
    /// <summary>Ended (finished, failed, cancelled); holds nothing.</summary>
    Finished,
}
