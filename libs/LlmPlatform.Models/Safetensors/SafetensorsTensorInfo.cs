namespace LlmPlatform.Models.Safetensors;

/// <summary>One tensor's entry in a safetensors header. Offsets are relative to the start of the data section.</summary>
public sealed record SafetensorsTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (count, dim) => count * dim);

    public long ByteLength => End - Begin;

    /// <summary>Bytes per element of the safetensors dtype names that Hugging Face models use.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => throw new InvalidDataException($"Unknown safetensors dtype '{dtype}'."),
    };
}
