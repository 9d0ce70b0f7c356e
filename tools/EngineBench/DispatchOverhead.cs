using System.Diagnostics;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>
/// The fixed cost of one call into libtorch through TorchSharp, on a tensor too small for the work to matter: what a
/// forward pass of some two thousand small ops pays however fast its kernels are.
/// </summary>
internal sealed record DispatchOverhead(double OpMicroseconds, double ViewMicroseconds, double ScopeMicroseconds)
{
    public static DispatchOverhead Measure(ScalarType dtype, int hidden)
    {
        const int Calls = 20_000;
        using var a = randn([1, hidden], dtype);
        double Microseconds(Action call)
        {
            for (var i = 0; i < Calls / 10; i++)
            {
                call();
            }

            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < Calls; i++)
            {
                call();
            }

            return Stopwatch.GetElapsedTime(start).TotalMicroseconds / Calls;
        }

        return new DispatchOverhead(
            Microseconds(() => a.add(a).Dispose()),
            Microseconds(() => a.view(hidden).Dispose()),
            Microseconds(() => NewDisposeScope().Dispose()));
    }

    public override string ToString() =>
        $"{OpMicroseconds:F1} us for a small TorchSharp op (add of two [1, hidden] tensors, result disposed), {ViewMicroseconds:F1} us for a view, " +
        $"{ScopeMicroseconds:F1} us for an empty dispose scope";
}
