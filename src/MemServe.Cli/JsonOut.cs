using System.Text.Encodings.Web;
using System.Text.Json;

namespace MemServe.Cli;

/// <summary>Writes one compact JSON object per line to standard output.</summary>
internal static class JsonOut
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Builds an object with <paramref name="write"/> and prints it as one line.</summary>
    public static void Line(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, s_options))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }

    /// <summary>Writes <c>"name":[ids...]</c>.</summary>
    public static void WriteIds(Utf8JsonWriter writer, string name, ReadOnlySpan<int> ids)
    {
        writer.WriteStartArray(name);
        foreach (int id in ids) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}
