using System.Buffers.Binary;
using System.Text.Json;

namespace LlmPlatform.Models.Safetensors;

/// <summary>
/// The header of a safetensors file: an 8-byte little-endian length, then a JSON object mapping tensor names to
/// dtype, shape and data offsets. Read by hand because the format is that small, and so that the Router and the
/// tools can inspect weights without loading a tensor runtime.
/// </summary>
public sealed class SafetensorsHeader
{
    private SafetensorsHeader(long dataStart, IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        DataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>File offset of the first data byte; tensor offsets are relative to it.</summary>
    public long DataStart { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsHeader Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static SafetensorsHeader Read(Stream stream, string sourceName)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > 100_000_000 || headerLength > stream.Length - 8)
        {
            throw new InvalidDataException($"'{sourceName}' is not a safetensors file: header length {headerLength}.");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var dataStart = 8 + headerLength;
        var dataLength = stream.Length - dataStart;

        using var document = JsonDocument.Parse(json);
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var entry in property.Value.EnumerateObject())
                {
                    metadata[entry.Name] = entry.Value.GetString() ?? "";
                }

                continue;
            }

            var info = ParseTensor(property, sourceName);
            if (info.End > dataLength || info.ByteLength != info.ElementCount * SafetensorsTensorInfo.ElementSize(info.DType))
            {
                throw new InvalidDataException($"Tensor '{info.Name}' in '{sourceName}' has offsets that do not match its dtype and shape.");
            }

            tensors[info.Name] = info;
        }

        return new SafetensorsHeader(dataStart, tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(JsonProperty property, string sourceName)
    {
        try
        {
            var value = property.Value;
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
            {
                throw new InvalidDataException("bad data_offsets");
            }

            return new SafetensorsTensorInfo(property.Name, value.GetProperty("dtype").GetString()!, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"Tensor '{property.Name}' in '{sourceName}' has a malformed header entry: {e.Message}", e);
        }
    }
}
