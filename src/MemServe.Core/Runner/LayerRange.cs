namespace MemServe.Runner;

/// <summary>A half-open range of decoder layers <c>[Start, End)</c>.</summary>
public readonly record struct LayerRange(int Start, int End)
{
    /// <summary>All layers of a model with <paramref name="layerCount"/> layers.</summary>
    public static LayerRange All(int layerCount) => new(0, layerCount);

    /// <summary>Number of layers in the range.</summary>
    public int Count => End - Start;

    /// <summary>True when <paramref name="layer"/> is inside the range.</summary>
    public bool Contains(int layer) => layer >= Start && layer < End;

    /// <summary>True when <paramref name="inner"/> lies inside this range.</summary>
    public bool Contains(LayerRange inner) => inner.Start >= Start && inner.End <= End;

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End})";
}
