namespace StorageSnapshot.Engine.Drivers.Btrfs;

/// <summary>
/// Turns the commands of a no-data send stream between two snapshots of a volume's subvolume into the byte ranges
/// of its image file that changed. Extent-level commands on the image (UpdateExtent — what a write becomes without
/// data —, Write, Clone) give ranges; a Truncate marks everything from its size on; metadata commands (times,
/// owner, mode, extended attributes) change no bytes. Anything else that touches the image's name — it was
/// unlinked, renamed, linked or made anew, so the older snapshot's file is not the same inode — makes the whole
/// image count as changed: a change is never missed, and a volume whose image is replaced is simply copied whole.
/// <paramref name="imageLength"/> is the newer image's size, <paramref name="olderLength"/> the older one's.
/// </summary>
internal sealed class ImageChanges(string imageName, long imageLength, long olderLength)
{
    // Volumes are never resized, but a difference in size is a change all the same.
    private readonly List<ByteRange> ranges = olderLength == imageLength
        ? new List<ByteRange>()
        : new List<ByteRange> { new(Math.Min(olderLength, imageLength), Math.Abs(imageLength - olderLength)) };
    private bool whole;

    /// <summary>Takes one command of the stream.</summary>
    public void Add(SendCommand command)
    {
        switch (command.Type)
        {
            case SendCommandType.Subvolume or SendCommandType.Snapshot or SendCommandType.End
                or SendCommandType.ChangeTimes or SendCommandType.ChangeMode or SendCommandType.ChangeOwner
                or SendCommandType.SetExtendedAttribute or SendCommandType.RemoveExtendedAttribute:
                return;
            case SendCommandType.UpdateExtent when IsImage(command.Text(SendAttribute.Path)):
                AddRange(command.Number(SendAttribute.FileOffset), command.Number(SendAttribute.Size));
                return;
            case SendCommandType.Write when IsImage(command.Text(SendAttribute.Path)):
                AddRange(command.Number(SendAttribute.FileOffset), (ulong?)command.Length(SendAttribute.Data));
                return;
            case SendCommandType.Clone when IsImage(command.Text(SendAttribute.Path)):
                AddRange(command.Number(SendAttribute.FileOffset), command.Number(SendAttribute.CloneLength));
                return;
            case SendCommandType.Truncate when IsImage(command.Text(SendAttribute.Path)):
                var size = command.Number(SendAttribute.Size) ?? throw Missing(command, SendAttribute.Size);
                if ((long)size < imageLength) AddRange(size, (ulong)imageLength - size);
                return;
            case SendCommandType.UpdateExtent or SendCommandType.Write or SendCommandType.Clone or SendCommandType.Truncate:
                return; // another file of the subvolume (an orphan name for a replaced image is caught by its rename)
            default:
                if (command.Paths.Any(IsImage)) whole = true;
                return;
        }
    }

    /// <summary>The changed ranges, sorted, merged and within the image.</summary>
    public IReadOnlyList<ByteRange> Ranges()
    {
        if (whole) return imageLength == 0 ? Array.Empty<ByteRange>() : new[] { new ByteRange(0, imageLength) };
        var merged = new List<ByteRange>();
        foreach (var range in ranges.OrderBy(r => r.Offset))
        {
            var end = Math.Min(range.End, imageLength);
            if (end <= range.Offset) continue;
            if (merged.Count > 0 && merged[^1].End >= range.Offset)
            {
                if (end > merged[^1].End) merged[^1] = new ByteRange(merged[^1].Offset, end - merged[^1].Offset);
            }
            else
            {
                merged.Add(new ByteRange(range.Offset, end - range.Offset));
            }
        }
        return merged;
    }

    private bool IsImage(string? path) => path is not null && string.Equals(path.TrimStart('/'), imageName, StringComparison.Ordinal);

    private void AddRange(ulong? offset, ulong? length)
    {
        if (offset is null || length is null) throw new InvalidDataException("A btrfs send stream extent command lacks its offset or size.");
        if (length == 0) return;
        ranges.Add(new ByteRange(checked((long)offset.Value), checked((long)length.Value)));
    }

    private static InvalidDataException Missing(SendCommand command, SendAttribute attribute) =>
        new($"A btrfs send stream {command.Type} command lacks its {attribute} attribute.");
}
