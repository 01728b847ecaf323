using System.Text.Json;

namespace MemServe.Model;

/// <summary>
/// Reads the <c>rope_scaling</c> block of config.json. The kind comes from <c>rope_type</c> (newer
/// configs) or <c>type</c> (older ones). Supported: absent/null/<c>"default"</c> (no scaling),
/// <c>"linear"</c> (factor) and <c>"llama3"</c> (factor, low_freq_factor, high_freq_factor,
/// original_max_position_embeddings, all required). Any other kind is an
/// <see cref="UnsupportedModelException"/> naming it.
/// </summary>
internal static class RopeScalingParser
{
    private const string Field = "rope_scaling";

    public static RopeScaling Parse(ConfigFields config)
    {
        if (!config.TryGet(Field, out JsonElement block)) return RopeScaling.None;
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw config.Error(Field, $"must be an object or null, found {ConfigFields.Describe(block)}");
        }

        var fields = new ConfigFields(block, config.SourceName, Field + ".");
        string? kind = ReadKind(fields, "rope_type") ?? ReadKind(fields, "type")
            ?? throw config.Error(Field, "has neither 'rope_type' nor 'type'");

        switch (kind)
        {
            case "default":
                return RopeScaling.None;
            case "linear":
                return new RopeScaling(RopeScalingKind.Linear, Factor: Nested(fields, "factor"));
            case "llama3":
                return ParseLlama3(fields);
            default:
                throw new UnsupportedModelException(
                    $"{config.SourceName}: rope_scaling type '{kind}' is not supported; supported types are 'default', 'linear' and 'llama3'.");
        }
    }

    private static RopeScaling ParseLlama3(ConfigFields fields)
    {
        double factor = Nested(fields, "factor");
        double low = Nested(fields, "low_freq_factor");
        double high = Nested(fields, "high_freq_factor");
        if (!(high > low))
        {
            throw fields.Error("high_freq_factor", $"must be greater than low_freq_factor ({low}), found {high}");
        }
        int originalMax = NestedInt(fields, "original_max_position_embeddings");
        return new RopeScaling(RopeScalingKind.Llama3, factor, low, high, originalMax);
    }

    private static string? ReadKind(ConfigFields fields, string name) => fields.OptionalString(name);

    private static double Nested(ConfigFields fields, string name) => fields.RequiredPositiveDouble(name);

    private static int NestedInt(ConfigFields fields, string name) => fields.RequiredPositiveInt(name);
}
