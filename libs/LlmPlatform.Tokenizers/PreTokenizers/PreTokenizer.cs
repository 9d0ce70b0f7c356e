namespace LlmPlatform.Tokenizers.PreTokenizers;

/// <summary>A piece of text on its way through pre-tokenization; <see cref="AtStart"/> is true for the piece that begins the input.</summary>
public readonly record struct Piece(string Text, bool AtStart);

/// <summary>A tokenizer.json pre-tokenizer: splits each piece into smaller pieces (and may rewrite them).</summary>
public interface IPreTokenizer
{
    void Split(Piece piece, List<Piece> output);
}

public sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> stages) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        List<Piece> current = [piece];
        var next = new List<Piece>();
        foreach (var stage in stages)
        {
            next.Clear();
            foreach (var part in current)
            {
                stage.Split(part, next);
            }

            (current, next) = (next, current);
        }

        output.AddRange(current);
    }
}

/// <summary>What becomes of the parts of a piece that a pattern matches (Hugging Face's SplitDelimiterBehavior).</summary>
public enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>Cuts a piece at pattern matches, the way Hugging Face's NormalizedString.split does.</summary>
public static class PieceSplitter
{
    [ThreadStatic]
    private static List<(int Start, int Length)>? matchBuffer;

    public static void Split(Piece piece, PatternMatcher pattern, SplitBehavior behavior, bool invert, List<Piece> output)
    {
        var matches = matchBuffer ??= [];
        pattern.Matches(piece.Text, matches);
        if (behavior == SplitBehavior.Isolated)
        {
            // The common case (every regex pre-tokenizer): every match and every gap is a piece; no merging to plan.
            var position = 0;
            foreach (var (start, length) in matches)
            {
                AddIfNotEmpty(piece, position, start, output);
                AddIfNotEmpty(piece, start, start + length, output);
                position = start + length;
            }

            AddIfNotEmpty(piece, position, piece.Text.Length, output);
            return;
        }

        var segments = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        var previous = 0;
        foreach (var (start, length) in matches)
        {
            if (start > previous)
            {
                segments.Add((previous, start, invert));
            }

            segments.Add((start, start + length, !invert));
            previous = start + length;
        }

        if (previous < piece.Text.Length)
        {
            segments.Add((previous, piece.Text.Length, invert));
        }

        foreach (var (start, end) in Combine(segments, behavior))
        {
            AddIfNotEmpty(piece, start, end, output);
        }
    }

    private static void AddIfNotEmpty(Piece piece, int start, int end, List<Piece> output)
    {
        if (end > start)
        {
            output.Add(new Piece(start == 0 && end == piece.Text.Length ? piece.Text : piece.Text[start..end], piece.AtStart && start == 0));
        }
    }

    private static List<(int Start, int End)> Combine(List<(int Start, int End, bool IsMatch)> segments, SplitBehavior behavior)
    {
        var result = new List<(int Start, int End)>(segments.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                result.AddRange(segments.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Contiguous:
                MergeIntoLast(segments, result, (segment, previousMatch) => segment.IsMatch == previousMatch);
                break;
            case SplitBehavior.MergedWithPrevious:
                MergeIntoLast(segments, result, (segment, previousMatch) => segment.IsMatch && !previousMatch);
                break;
            case SplitBehavior.MergedWithNext:
            {
                // A match joins the piece after it: the same rule as MergedWithPrevious, read from the end.
                var reversed = new List<(int Start, int End, bool IsMatch)>(segments);
                reversed.Reverse();
                var previousMatch = false;
                foreach (var segment in reversed)
                {
                    if (segment.IsMatch && !previousMatch && result.Count > 0)
                    {
                        result[^1] = (segment.Start, result[^1].End);
                    }
                    else
                    {
                        result.Add((segment.Start, segment.End));
                    }

                    previousMatch = segment.IsMatch;
                }

                result.Reverse();
                break;
            }
        }

        return result;
    }

    private static void MergeIntoLast(List<(int Start, int End, bool IsMatch)> segments, List<(int Start, int End)> result, Func<(int Start, int End, bool IsMatch), bool, bool> merges)
    {
        var previousMatch = false;
        foreach (var segment in segments)
        {
            if (merges(segment, previousMatch) && result.Count > 0)
            {
                result[^1] = (result[^1].Start, segment.End);
            }
            else
            {
                result.Add((segment.Start, segment.End));
            }

            previousMatch = segment.IsMatch;
        }
    }
}
