using MemServe.Cluster;

namespace MemServe.Core.Tests.Cluster;

public class CostModelTests
{
    [Fact]
    public void BeforeAnyDataThePrefillModelPredictsThePrior()
    {
        var options = new CostModelOptions();
        var model = new PrefillCostModel(options);

        double predicted = model.Predict(1000, 0).TotalSeconds;

        double expected = 0.002 + 1000 / 2000.0 + 1000.0 * 1000 / 2 * 10e-9;
        Assert.Equal(expected, predicted, 6);
    }

    [Fact]
    public void ThePrefillFitRecoversLinearAndQuadraticTerms()
    {
        var model = new PrefillCostModel(new CostModelOptions { Forgetting = 1 });
        const double Overhead = 0.001, PerToken = 1e-4, PerPair = 5e-9;
        static double Truth(int n, int c) => Overhead + PerToken * n + PerPair * (n * (double)c + n * (double)n / 2);
        var random = new Random(3);
        for (int i = 0; i < 300; i++)
        {
            int n = random.Next(16, 4096), c = random.Next(0, 4096);
            model.Observe(n, c, TimeSpan.FromSeconds(Truth(n, c) * (1 + (random.NextDouble() - 0.5) * 0.02)));
        }

        foreach ((int n, int c) in new[] { (100, 0), (2000, 0), (500, 3000), (4000, 4000) })
            Assert.InRange(model.Predict(n, c).TotalSeconds / Truth(n, c), 0.9, 1.1);
        Assert.Equal(300, model.Observations);
    }

    [Fact]
    public void TheTransferFitRecoversBandwidthAndLatency()
    {
        var model = new TransferCostModel(new CostModelOptions { Forgetting = 1 });
        for (int i = 1; i <= 50; i++)
        {
            long bytes = i * 4_000_000L;
            model.Observe(bytes, TimeSpan.FromSeconds(0.0005 + bytes / 2e9));
        }

        Assert.InRange(model.BandwidthBytesPerSecond, 1.9e9, 2.1e9);
        Assert.InRange(model.Predict(100_000_000).TotalSeconds, 0.049, 0.052);
    }
}
