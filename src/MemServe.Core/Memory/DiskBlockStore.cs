using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MemServe.Memory;

/// <summary>
/// The disk tier: one file per cached block in <c>{directory}/{model fingerprint as 16 hex digits}/</c>,
/// named by the prefix's chain hash (<c>{chain:x16}.kvb</c>), at most <see cref="Capacity"/> files (the
/// tier's byte budget over the file size). Files are written to a temporary name and renamed, so a crash
/// leaves either a whole file or a stray <c>.tmp</c> (removed on the next start). Every read verifies the
/// file (size, fingerprint, checksum); a bad file is deleted with a warning and never used. A different
/// model fingerprint lands in a different subdirectory, so models never see each other's blocks.
/// Not thread-safe; engine thread only.
/// </summary>
internal sealed unsafe class DiskBlockStore
{
    private readonly ILogger _logger;
    private readonly byte[] _buffer; // (FileBytes) one file image, reused
    private int _count;

    public DiskBlockStore(string directory, ulong fingerprint, long budgetBytes, KvCacheLayout layout, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(budgetBytes);
        Fingerprint = fingerprint;
        Layout = layout;
        _logger = logger;
        Directory = Path.Combine(Path.GetFullPath(directory), fingerprint.ToString("x16", CultureInfo.InvariantCulture));
        FileBytes = DiskBlockFile.FileBytes(layout);
        Capacity = (int)Math.Min(int.MaxValue, budgetBytes / FileBytes);
        _buffer = new byte[FileBytes];
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>This model's block directory.</summary>
    public string Directory { get; }

    public ulong Fingerprint { get; }

    public KvCacheLayout Layout { get; }

    /// <summary>Bytes of one block file.</summary>
    public long FileBytes { get; }

    /// <summary>Most files the tier keeps.</summary>
    public int Capacity { get; }

    /// <summary>Files held.</summary>
    public int Count => _count;

    public bool HasRoom => _count < Capacity;

    /// <summary>Writes one block; false (logged) on an I/O error. The caller has checked <see cref="HasRoom"/>.</summary>
    public bool TryWrite(DiskBlockHeader header, float* data)
    {
        string path = PathOf(header.ChainHash);
        string temp = path + ".tmp";
        try
        {
            DiskBlockFile.Encode(_buffer, Layout, Fingerprint, header, new ReadOnlySpan<float>(data, checked((int)Layout.BlockFloats)));
            File.WriteAllBytes(temp, _buffer);
            File.Move(temp, path, overwrite: true);
            _count++;
            return true;
        }
        catch (IOException ex)
        {
            MemPoolLog.DiskWriteFailed(_logger, ex, path);
        }
        catch (UnauthorizedAccessException ex)
        {
            MemPoolLog.DiskWriteFailed(_logger, ex, path);
        }
        TryDeleteFile(temp);
        return false;
    }

    /// <summary>Reads and verifies the block of <paramref name="chainHash"/> into <paramref name="destination"/>;
    /// false when the file is missing or bad (a bad file is deleted with a warning and no longer counted).</summary>
    public bool TryRead(ulong chainHash, float* destination)
    {
        string path = PathOf(chainHash);
        if (!TryLoad(path, out DiskBlockHeader? header) || header!.ChainHash != chainHash)
        {
            if (header is not null) MemPoolLog.DiskFileDropped(_logger, path, "its chain hash does not match its name");
            Delete(chainHash);
            return false;
        }
        DiskBlockFile.Payload(_buffer, Layout).CopyTo(new Span<float>(destination, checked((int)Layout.BlockFloats)));
        return true;
    }

    /// <summary>Deletes the block file of <paramref name="chainHash"/>.</summary>
    public void Delete(ulong chainHash)
    {
        if (TryDeleteFile(PathOf(chainHash))) _count--;
    }

    /// <summary>
    /// Scans the directory on start: verifies every block file, deletes bad ones and stray temporaries
    /// (with a warning), and returns the good headers, shallowest first. Counts what it keeps.
    /// </summary>
    public List<DiskBlockHeader> Scan(out int dropped)
    {
        dropped = 0;
        var good = new List<DiskBlockHeader>();
        foreach (string temp in System.IO.Directory.EnumerateFiles(Directory, "*.kvb.tmp")) TryDeleteFile(temp);
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*.kvb"))
        {
            if (TryLoad(path, out DiskBlockHeader? header) &&
                Path.GetFileNameWithoutExtension(path) == header!.ChainHash.ToString("x16", CultureInfo.InvariantCulture))
            {
                good.Add(header);
                continue;
            }
            if (header is not null) MemPoolLog.DiskFileDropped(_logger, path, "its chain hash does not match its name");
            TryDeleteFile(path);
            dropped++;
        }
        good.Sort(static (a, b) => a.Depth.CompareTo(b.Depth));
        _count = good.Count;
        return good;
    }

    // Reads a file into _buffer and validates it; logs why not.
    private bool TryLoad(string path, out DiskBlockHeader? header)
    {
        header = null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            if (stream.Length != FileBytes)
            {
                MemPoolLog.DiskFileDropped(_logger, path, $"{stream.Length} bytes, expected {FileBytes} (truncated or foreign)");
                return false;
            }
            stream.ReadExactly(_buffer);
        }
        catch (IOException ex)
        {
            MemPoolLog.DiskFileDropped(_logger, path, ex.Message);
            return false;
        }
        header = DiskBlockFile.Decode(_buffer, Layout, Fingerprint, out string reason);
        if (header is null) MemPoolLog.DiskFileDropped(_logger, path, reason);
        return header is not null;
    }

    private string PathOf(ulong chainHash) =>
        Path.Combine(Directory, chainHash.ToString("x16", CultureInfo.InvariantCulture) + ".kvb");

    private static bool TryDeleteFile(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
