using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace LlmPlatform.Encoders;

/// <summary>
/// Reads a resource embedded in a .NET assembly file from its metadata, without loading the assembly: the assembly is
/// data here, and loading it would ask for its dependencies.
/// </summary>
internal static class ManifestResourceFile
{
    public static byte[] Read(string assemblyPath, string resourceName)
    {
        using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        using var pe = new PEReader(file, PEStreamOptions.LeaveOpen);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!metadata.StringComparer.Equals(resource.Name, resourceName))
            {
                continue;
            }

            // A nil implementation means the resource lives in this file, in the CLI header's resources directory, at
            // its offset: a 4-byte little-endian length, then the bytes.
            if (!resource.Implementation.IsNil
                || pe.PEHeaders.CorHeader is not { } cor
                || !pe.PEHeaders.TryGetDirectoryOffset(cor.ResourcesDirectory, out var directory))
            {
                throw new InvalidDataException($"Resource '{resourceName}' is not embedded in '{assemblyPath}'.");
            }

            var start = directory + resource.Offset;
            Span<byte> length = stackalloc byte[sizeof(int)];
            ReadExactly(file, length, start);
            var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
            ReadExactly(file, bytes, start + sizeof(int));
            return bytes;
        }

        throw new InvalidDataException($"'{assemblyPath}' has no resource '{resourceName}'.");
    }

    private static void ReadExactly(FileStream file, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(file.SafeFileHandle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"'{file.Name}' ends inside a resource.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }
}
