using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace LlmPlatform.Models.Safetensors;

/// <summary>A tensor to be written: its name, dtype, shape and a callback that writes exactly its bytes.</summary>
public sealed record TensorToWrite(string Name, string DType, long[] Shape, Action<Stream> WriteData)
{
    public long ByteLength => Shape.Aggregate(1L, (count, dim) => count * dim) * SafetensorsTensorInfo.ElementSize(DType);
}

/// <summary>
/// Writes a safetensors file in one streaming pass: the header is known up front from names, dtypes and shapes,
/// so tensors never have to be held in memory together.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata = null, IProgress<long>? bytesWritten = null)
    {
        var header = BuildHeader(tensors, metadata);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
        stream.Write(length);
        stream.Write(header);

        long written = 0;
        foreach (var tensor in tensors)
        {
            var before = stream.Position;
            tensor.WriteData(stream);
            if (stream.Position - before != tensor.ByteLength)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' wrote {stream.Position - before} bytes, expected {tensor.ByteLength}.");
            }

            written += tensor.ByteLength;
            bytesWritten?.Report(written);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }

            json.WriteEndObject();
        }

        // The format pads the header with spaces to a multiple of 8 so that the data section starts aligned.
        var padded = (int)((buffer.Length + 7) / 8 * 8);
        var header = Encoding.ASCII.GetBytes(new string(' ', padded));
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).CopyTo(header);
        return header;
    }
}
