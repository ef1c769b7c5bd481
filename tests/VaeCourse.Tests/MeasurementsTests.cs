namespace VaeCourse.Tests;

public class MeasurementsTests
{
    [Fact]
    public void MeasurementsRenderAnEncodedHtmlTable()
    {
        var table = new Measurements().Add("loss <nats>", "1.5").Add("a & b", "yes");
        string html = table.ToHtml();
        Assert.Contains("<td style=\"text-align:left\">loss &lt;nats&gt;</td>", html);
        Assert.Contains("a &amp; b", html);
        Assert.Equal(2, table.Rows.Count);
        Assert.Contains("loss <nats>", table.ToString());
        Assert.Throws<ArgumentException>(() => table.Add(" ", "x"));
    }
}
