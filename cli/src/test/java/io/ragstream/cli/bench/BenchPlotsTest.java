package io.ragstream.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's plots are written as readable PNG images, headless. */
class BenchPlotsTest {
  @TempDir Path dir;

  @Test
  void writesTheThreePlotsAsPng() throws Exception {
    BenchPlots.freshnessCdf(
        dir.resolve("cdf.png"), Map.of("1 changes/s", List.of(0.2, 0.3, 0.25), "5", List.of()));
    BenchPlots.latencyHistogram(
        dir.resolve("hist.png"), Map.of("1 client", List.of(10.0, 12.0, 30.0)), 10);
    BenchPlots.throughput(
        dir.resolve("tp.png"),
        List.of(
            new double[] {0, 0}, new double[] {1, 0}, new double[] {2, 8}, new double[] {3, 17}),
        12.0,
        5);
    for (String name : List.of("cdf.png", "hist.png", "tp.png")) {
      BufferedImage image = ImageIO.read(dir.resolve(name).toFile());
      assertThat(image).as(name).isNotNull();
      assertThat(image.getWidth()).isEqualTo(900);
    }
  }
}
