using VaeCourse.Data;
using static TorchSharp.torch;

namespace VaeCourse.Tests.Data;

public class ImplicitFeedbackTests
{
    public ImplicitFeedbackTests() => Course.Setup(seed: 11);

    private static float[] Values(Tensor t) => t.detach().cpu().to(float32).contiguous().data<float>().ToArray();

    [Fact]
    public void ImplicitFeedbackIsDeterministicForASeedAndDiffersAcrossSeeds()
    {
        var a = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 3);
        var b = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 3);
        var c = ImplicitFeedback.Generate(users: 50, items: 80, tastes: 4, minClicks: 5, maxClicks: 20, seed: 4);
        Assert.True(a.Clicks.allclose(b.Clicks, 0, 0));
        Assert.True(a.Logits.allclose(b.Logits, 0, 0));
        Assert.Equal(a.UserTaste, b.UserTaste);
        Assert.False(a.Clicks.allclose(c.Clicks, 0, 0));
    }

    [Fact]
    public void ImplicitFeedbackHasTheDocumentedShapesAndCounts()
    {
        var data = ImplicitFeedback.Generate(users: 120, items: 90, tastes: 6, minClicks: 7, maxClicks: 15, seed: 1);
        Assert.Equal(new long[] { 120, 90 }, data.Clicks.shape);
        Assert.Equal(new long[] { 120, 90 }, data.Logits.shape);
        Assert.Equal(ScalarType.Float32, data.Clicks.dtype);
        Assert.Equal(120, data.Users);
        Assert.Equal(90, data.Items);
        Assert.Equal(6, data.Tastes);
        Assert.All(Values(data.Clicks), v => Assert.True(v == 0f || v == 1f));
        var perUser = Values(data.Clicks.sum(dim: 1));
        Assert.All(perUser, n => Assert.InRange(n, 7, 15));
        Assert.True(perUser.Distinct().Count() > 3, "click counts should vary across users");
        Assert.All(data.UserTaste, t => Assert.InRange(t, 0, 5));
        Assert.Equal(Enumerable.Range(0, 90).Select(i => i % 6), data.ItemTaste);
        Assert.Equal(0.0, data.LogPopularity.Max(), 12);                    // rank 1 has log-popularity 0
        Assert.Equal(-Math.Log(90), data.LogPopularity.Min(), 9);            // rank 90 has -ln 90 (skew 1)
        Assert.Equal(data.UserTaste.Select(t => (long)t), data.TasteLabels().data<long>().ToArray());
    }

    [Fact]
    public void ClicksFollowTheUsersTasteAndThePopularity()
    {
        var data = ImplicitFeedback.Generate(users: 800, items: 400, tastes: 8, seed: 2);
        var clicks = Values(data.Clicks);
        long own = 0, all = 0;
        for (int u = 0; u < data.Users; u++)
            for (int i = 0; i < data.Items; i++)
                if (clicks[u * data.Items + i] == 1f) { all++; if (data.ItemTaste[i] == data.UserTaste[u]) own++; }
        Assert.True((double)own / all > 0.5, $"only {(double)own / all:P0} of clicks are on the user's own taste (1/8 by chance)");
        // The more popular half of the items gets more clicks than the less popular half.
        var perItem = Values(data.Clicks.sum(dim: 0));
        var byPopularity = Enumerable.Range(0, data.Items).OrderByDescending(i => data.LogPopularity[i]).ToArray();
        double popular = byPopularity.Take(200).Sum(i => perItem[i]), rare = byPopularity.Skip(200).Sum(i => perItem[i]);
        Assert.True(popular > 2 * rare, $"popular half {popular} vs rare half {rare}");
        // Without popularity skew every item is equally popular.
        Assert.All(ImplicitFeedback.Generate(users: 5, items: 30, tastes: 2, minClicks: 2, maxClicks: 4, popularitySkew: 0).LogPopularity, b => Assert.Equal(0.0, b));
    }

    [Fact]
    public void ImplicitFeedbackRejectsBadSettingsNamingThem()
    {
        void Expect(string name, string text, Action act)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(act);
            Assert.Equal(name, e.ParamName);
            Assert.Contains(text, e.Message);
        }
        Expect("users", "users must be at least 1", () => ImplicitFeedback.Generate(users: 0));
        Expect("items", "items must be at least 1", () => ImplicitFeedback.Generate(items: 0));
        Expect("tastes", "tastes must be at least 1", () => ImplicitFeedback.Generate(tastes: 0));
        Expect("minClicks", "minClicks must be at least 1", () => ImplicitFeedback.Generate(minClicks: 0));
        Expect("maxClicks", "at least minClicks (10)", () => ImplicitFeedback.Generate(minClicks: 10, maxClicks: 9));
        Expect("maxClicks", "at most items (30)", () => ImplicitFeedback.Generate(items: 30, maxClicks: 31));
        Expect("temperature", "temperature must be a positive finite number", () => ImplicitFeedback.Generate(temperature: 0));
        Expect("popularitySkew", "popularitySkew must be a finite number, 0 or more", () => ImplicitFeedback.Generate(popularitySkew: -1));
        Expect("noise", "noise must be a finite number, 0 or more", () => ImplicitFeedback.Generate(noise: double.NaN));
    }

    [Fact]
    public void SplitClicksHoldsOutAFifthOfEachUsersClicksDisjointly()
    {
        var data = ImplicitFeedback.Generate(users: 60, items: 100, tastes: 3, minClicks: 5, maxClicks: 40, seed: 5);
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 9);
        Assert.True((foldIn + heldOut).allclose(data.Clicks, 0, 0));
        Assert.Equal(0f, (foldIn * heldOut).sum().item<float>());
        var total = Values(data.Clicks.sum(dim: 1));
        var held = Values(heldOut.sum(dim: 1));
        for (int u = 0; u < total.Length; u++)
            Assert.Equal(Math.Round(0.2 * total[u], MidpointRounding.AwayFromZero), held[u]);
        var (again, _) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 9);
        Assert.True(again.allclose(foldIn, 0, 0));
        var (other, _) = ImplicitFeedback.SplitClicks(data.Clicks, 0.2, seed: 10);
        Assert.False(other.allclose(foldIn, 0, 0));
    }

    [Fact]
    public void SplitClicksKeepsAtLeastOneOnEachSideAndLeavesSingleClicksFoldedIn()
    {
        var clicks = tensor(new float[] { 1, 0, 0, 0,   1, 1, 0, 0,   1, 1, 1, 1,   0, 0, 0, 0 }, new long[] { 4, 4 });
        var (foldIn, heldOut) = ImplicitFeedback.SplitClicks(clicks, 0.01, seed: 0);
        Assert.Equal(new float[] { 1, 1, 3, 0 }, Values(foldIn.sum(dim: 1)));  // 0.01 rounds to 0, raised to 1 when there are 2 or more
        Assert.Equal(new float[] { 0, 1, 1, 0 }, Values(heldOut.sum(dim: 1)));
        var (_, most) = ImplicitFeedback.SplitClicks(clicks, 0.99, seed: 0);
        Assert.Equal(new float[] { 0, 1, 3, 0 }, Values(most.sum(dim: 1)));      // never all of a user's clicks
    }

    [Fact]
    public void SplitClicksRejectsBadInputWithTheReason()
    {
        var clicks = ones(3, 4);
        Assert.Equal("heldOutFraction", Assert.Throws<ArgumentOutOfRangeException>(() => ImplicitFeedback.SplitClicks(clicks, 0)).ParamName);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentOutOfRangeException>(() => ImplicitFeedback.SplitClicks(clicks, 1)).Message);
        Assert.Contains("only 0 and 1", Assert.Throws<ArgumentException>(() => ImplicitFeedback.SplitClicks(clicks * 2)).Message);
        Assert.Contains("[users, items]", Assert.Throws<ArgumentException>(() => ImplicitFeedback.SplitClicks(ones(4))).Message);
    }
}
