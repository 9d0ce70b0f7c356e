using System.Buffers.Binary;
using System.Text;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Models.Tests;

public sealed class SafetensorsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Written_tensors_read_back_with_their_shapes_offsets_and_bytes()
    {
        var path = temp.Combine("t.safetensors");
        float[] values = [1.5f, -2f, 0.25f, 8f, 3f, -1f];
        SafetensorsWriter.Write(path,
        [
            new TensorToWrite("a", "F32", [2, 3], stream => WriteFloats(stream, values)),
            new TensorToWrite("b.bias", "F16", [3], stream => stream.Write(new byte[6])),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        var header = SafetensorsHeader.Read(path);
        Assert.Equal(0, header.DataStart % 8);
        Assert.Equal([2L, 3L], header.Tensors["a"].Shape);
        Assert.Equal((0L, 24L), (header.Tensors["a"].Begin, header.Tensors["a"].End));
        Assert.Equal((24L, 30L), (header.Tensors["b.bias"].Begin, header.Tensors["b.bias"].End));
        Assert.Equal("pt", header.Metadata["format"]);

        var bytes = File.ReadAllBytes(path);
        var read = Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)header.DataStart + 4 * i))).ToArray();
        Assert.Equal(values, read);
    }

    [Fact]
    public void A_tensor_that_writes_the_wrong_number_of_bytes_is_an_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            SafetensorsWriter.Write(temp.Combine("bad.safetensors"), [new TensorToWrite("w", "F32", [4], stream => stream.Write(new byte[12]))]));

        Assert.Contains("'w' wrote 12 bytes, expected 16", error.Message);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}""", 16, "'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, "'w'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4]}}""", 16, "malformed")]
    [InlineData("""{"w":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}}""", 16, "Q4")]
    public void Inconsistent_headers_are_rejected_with_the_tensor_named(string json, int dataBytes, string expected)
    {
        var path = temp.Combine("h.safetensors");
        var header = Encoding.UTF8.GetBytes(json);
        using (var stream = File.Create(path))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
            stream.Write(length);
            stream.Write(header);
            stream.Write(new byte[dataBytes]);
        }

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsHeader.Read(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_file_that_is_not_safetensors_is_rejected()
    {
        var path = temp.Combine("config.json");
        File.WriteAllText(path, """{"hidden_size": 64, "padding": "to make it longer than eight bytes"}""");

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsHeader.Read(path));
        Assert.Contains("not a safetensors file", error.Message);
    }

    private static void WriteFloats(Stream stream, float[] values)
    {
        var buffer = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), values[i]);
        }

        stream.Write(buffer);
    }
}
