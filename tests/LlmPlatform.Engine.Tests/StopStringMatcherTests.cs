using LlmPlatform.Engine.Output;

namespace LlmPlatform.Engine.Tests;

public sealed class StopStringMatcherTests
{
    [Fact]
    public void A_stop_string_split_across_pieces_is_found_and_not_emitted()
    {
        var matcher = new StopStringMatcher(["</answer>"], includeStopInOutput: false);

        var emitted = string.Concat(new[] { "The result", " is 4</an", "swer> and more" }.Select(matcher.Append));

        Assert.Equal("The result is 4", emitted);
        Assert.True(matcher.Stopped);
        Assert.Equal("", matcher.Append("ignored"));
    }

    [Fact]
    public void Text_that_might_start_a_stop_string_is_held_back_until_it_cannot()
    {
        var matcher = new StopStringMatcher(["STOP"], includeStopInOutput: false);

        Assert.Equal("abc ", matcher.Append("abc ST"));
        Assert.Equal("STart", matcher.Append("art"));
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void The_earliest_stop_wins_and_can_be_included()
    {
        var matcher = new StopStringMatcher(["world", "lo"], includeStopInOutput: true);

        Assert.Equal("hello", matcher.Append("hello world"));
    }

    [Fact]
    public void Held_text_is_released_when_generation_ends_otherwise()
    {
        var matcher = new StopStringMatcher(["\n\nUser:"], includeStopInOutput: false);

        var emitted = matcher.Append("Done.\n\nUs");

        Assert.Equal("Done.", emitted);
        Assert.Equal("\n\nUs", matcher.Flush());
    }
}
