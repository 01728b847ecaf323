namespace MemServe.Memory;

/// <summary>
/// The MemPool's consistency check (tests call it after every scenario): the device pool's own check,
/// the tree's links and pin counts, device free + cached + in use == total, each cached device block
/// referenced once by the tree (and, when unpinned, by nobody else), device copies closed upwards, and
/// host/disk counts equal to the nodes that claim a copy there.
/// </summary>
internal static class MemPoolIntegrity
{
    /// <exception cref="InvalidOperationException">Describes the first violation.</exception>
    public static void Check(KvBlockPool device, PromptTree tree, HostBlockStore? host, DiskBlockStore? disk)
    {
        device.CheckIntegrity();
        tree.CheckIntegrity();
        var deviceBlocks = new HashSet<int>();
        var hostBlocks = new HashSet<int>();
        int onDisk = 0, cachedOnly = 0;
        foreach (PromptTreeNode node in tree.Nodes)
        {
            if (node.DeviceBlock >= 0)
            {
                if (!deviceBlocks.Add(node.DeviceBlock))
                    throw new InvalidOperationException($"MemPool: device block {node.DeviceBlock} is cached by two nodes.");
                int refs = device.RefCount(node.DeviceBlock);
                if (refs < 1)
                    throw new InvalidOperationException($"MemPool: cached device block {node.DeviceBlock} has ref count {refs}.");
                if (node.Pins == 0 && refs != 1)
                    throw new InvalidOperationException(
                        $"MemPool: unpinned cached device block {node.DeviceBlock} (depth {node.Depth}) has {refs} references; only the tree may hold it.");
                if (refs == 1) cachedOnly++;
                if (node.Parent is { } parent && parent != tree.Root && parent.DeviceBlock < 0)
                    throw new InvalidOperationException($"MemPool: node at depth {node.Depth} is on the device but its parent is not.");
            }
            if (node.HostBlock >= 0 && !hostBlocks.Add(node.HostBlock))
                throw new InvalidOperationException($"MemPool: host block {node.HostBlock} is cached by two nodes.");
            if (node.OnDisk) onDisk++;
        }
        int inUse = device.UsedCount - cachedOnly;
        if (device.FreeCount + cachedOnly + inUse != device.TotalCount || inUse < 0)
            throw new InvalidOperationException(
                $"MemPool: {device.FreeCount} free + {cachedOnly} cached + {inUse} in use != {device.TotalCount} total device blocks.");
        if (hostBlocks.Count != (host?.UsedCount ?? 0))
            throw new InvalidOperationException($"MemPool: {hostBlocks.Count} nodes claim host blocks but the host tier holds {host?.UsedCount ?? 0}.");
        if (onDisk != (disk?.Count ?? 0))
            throw new InvalidOperationException($"MemPool: {onDisk} nodes claim disk files but the disk tier counts {disk?.Count ?? 0}.");
    }
}
