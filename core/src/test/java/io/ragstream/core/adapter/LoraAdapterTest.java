package io.ragstream.core.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraAdapterTest {
  private static final String EMBEDDER = "test-embedder@1";

  @TempDir Path dir;

  @Test
  void zeroBIsTheIdentityAfterNormalization() {
    Random rnd = new Random(1);
    int d = 16;
    int r = 4;
    float[] a = new float[r * d];
    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
    LoraAdapter adapter = LoraAdapter.of("id", EMBEDDER, d, r, 8, a, new float[d * r]);
    float[] q = new float[d];
    for (int i = 0; i < d; i++) q[i] = (float) rnd.nextGaussian();
    float[] out = adapter.apply(q);
    double norm = Math.sqrt(dot(q, q));
    for (int i = 0; i < d; i++) assertThat(out[i]).isCloseTo((float) (q[i] / norm), within(1e-6f));
  }

  @Test
  void appliesTheScaledLowRankUpdateOfKnownMatrices() {
    // d = 3, r = 1: A = [1, 0, 0], B = [0, 1, 0]^T, alpha = 2 -> scaling 2.
    LoraAdapter adapter =
        LoraAdapter.of("id", EMBEDDER, 3, 1, 2, new float[] {1, 0, 0}, new float[] {0, 1, 0});
    // q = e1: u = e1 + 2 * e2 -> (1, 2, 0) / sqrt(5)
    assertThat(adapter.apply(new float[] {1, 0, 0}))
        .containsExactly(
            new float[] {(float) (1 / Math.sqrt(5)), (float) (2 / Math.sqrt(5)), 0}, within(1e-6f));
    // q orthogonal to A's row: unchanged
    assertThat(adapter.apply(new float[] {0, 0.6f, 0.8f}))
        .containsExactly(new float[] {0, 0.6f, 0.8f}, within(1e-6f));
    // rank 2, d = 2: A = I, B = [[0, 1], [1, 0]], alpha = 2 -> scaling 1; q = (1, 0) -> (1,
    // 1)/sqrt2
    LoraAdapter swap =
        LoraAdapter.of("id", EMBEDDER, 2, 2, 2, new float[] {1, 0, 0, 1}, new float[] {0, 1, 1, 0});
    float s = (float) (1 / Math.sqrt(2));
    assertThat(swap.apply(new float[] {1, 0})).containsExactly(new float[] {s, s}, within(1e-6f));
  }

  @Test
  void rejectsAQueryOfAnotherDimensionNamingBoth() {
    LoraAdapter adapter = LoraAdapter.of("qa-1", EMBEDDER, 3, 1, 1, new float[3], new float[3]);
    assertThatThrownBy(() -> adapter.apply(new float[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "adapter qa-1 is for 3-d embeddings of test-embedder@1, got a 4-d query embedding");
    assertThatThrownBy(() -> adapter.requireCompatible("other@2", 3))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("trained for test-embedder@1 (3-d), cannot adapt other@2 (3-d)");
  }

  @Test
  void rejectsMatricesOfTheWrongSize() {
    assertThatThrownBy(() -> LoraAdapter.of("id", EMBEDDER, 3, 1, 1, new float[4], new float[3]))
        .hasMessageContaining("A must have shape [1, 3] = 3 values, has 4");
    assertThatThrownBy(() -> LoraAdapter.of("id", EMBEDDER, 3, 4, 1, new float[12], new float[12]))
        .hasMessageContaining("rank must be in [1, dimension = 3], was 4");
  }

  @Test
  void savesAPeftLikeDirectoryAndLoadsItBackByPathAndUri() throws Exception {
    LoraAdapter adapter = random("qa-20261123-000000-abcd", 384, 8, 16, 7);
    Path out = dir.resolve("adapter");
    adapter.save(out);

    JsonNode config = Json.mapper().readTree(out.resolve(LoraAdapter.CONFIG_FILE).toFile());
    assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(config.get("r").asInt()).isEqualTo(8);
    assertThat(config.get("lora_alpha").asDouble()).isEqualTo(16.0);
    assertThat(config.get("base_model_name_or_path").asText()).isEqualTo(EMBEDDER);
    assertThat(config.get("target_modules").toString()).isEqualTo("[\"query_embedding\"]");
    assertThat(config.get("dimension").asInt()).isEqualTo(384);
    assertThat(config.get("adapter_id").asText()).isEqualTo("qa-20261123-000000-abcd");
    assertThat(Safetensors.read(out.resolve(LoraAdapter.WEIGHTS_FILE)))
        .containsOnlyKeys("lora_A", "lora_B")
        .hasEntrySatisfying("lora_A", t -> assertThat(t.shape()).containsExactly(8, 384))
        .hasEntrySatisfying("lora_B", t -> assertThat(t.shape()).containsExactly(384, 8));

    for (LoraAdapter loaded :
        new LoraAdapter[] {LoraAdapter.load(out), LoraAdapter.load(out.toUri())}) {
      assertThat(loaded.adapterId()).isEqualTo(adapter.adapterId());
      assertThat(loaded.embedder()).isEqualTo(EMBEDDER);
      assertThat(loaded.a()).containsExactly(adapter.a());
      assertThat(loaded.b()).containsExactly(adapter.b());
      float[] q = new float[384];
      q[3] = 1;
      assertThat(loaded.apply(q)).containsExactly(adapter.apply(q));
    }
  }

  @Test
  void addsTheQueryBiasBeforeTheNormalization() {
    // d = 2, B = 0, bias (0, 1): q = (1, 0) -> (1, 1) / sqrt2, whatever A is
    LoraAdapter adapter =
        LoraAdapter.of(
            "id", EMBEDDER, 2, 1, 2, new float[] {1, 1}, new float[2], new float[] {0, 1});
    float s = (float) (1 / Math.sqrt(2));
    assertThat(adapter.apply(new float[] {1, 0}))
        .containsExactly(new float[] {s, s}, within(1e-6f));
    assertThat(adapter.bias()).containsExactly(0, 1);
    assertThat(adapter.withId("other").bias()).containsExactly(0, 1);
    assertThat(LoraAdapter.of("id", EMBEDDER, 2, 1, 2, new float[2], new float[2]).bias()).isNull();
    assertThatThrownBy(
            () -> LoraAdapter.of("id", EMBEDDER, 2, 1, 2, new float[2], new float[2], new float[3]))
        .hasMessageContaining("the query bias must have shape [2], has 3 values");
    assertThatThrownBy(
            () ->
                LoraAdapter.of(
                    "id",
                    EMBEDDER,
                    2,
                    1,
                    2,
                    new float[2],
                    new float[2],
                    new float[] {0, Float.NaN}))
        .hasMessageContaining("bias[1] must be finite");
  }

  @Test
  void savesAndLoadsTheQueryBiasAndReadsFilesWithoutOne() throws Exception {
    LoraAdapter plain = random("qa-1", 16, 2, 4, 3);
    float[] bias = new float[16];
    Random rnd = new Random(5);
    for (int i = 0; i < bias.length; i++) bias[i] = (float) (0.1 * rnd.nextGaussian());
    LoraAdapter adapter = LoraAdapter.of("qa-2", EMBEDDER, 16, 2, 4, plain.a(), plain.b(), bias);
    Path out = dir.resolve("with-bias");
    adapter.save(out);
    JsonNode config = Json.mapper().readTree(out.resolve(LoraAdapter.CONFIG_FILE).toFile());
    assertThat(config.get(LoraAdapter.QUERY_BIAS_KEY).asBoolean()).isTrue();
    assertThat(config.get("ragstream_format_version").asInt()).isEqualTo(2);
    assertThat(Safetensors.read(out.resolve(LoraAdapter.WEIGHTS_FILE)))
        .containsOnlyKeys("lora_A", "lora_B", "query_bias")
        .hasEntrySatisfying("query_bias", t -> assertThat(t.shape()).containsExactly(16));
    LoraAdapter loaded = LoraAdapter.load(out);
    assertThat(loaded.bias()).containsExactly(bias);
    float[] q = new float[16];
    q[2] = 1;
    assertThat(loaded.apply(q)).containsExactly(adapter.apply(q));
    assertThat(loaded.apply(q)).isNotEqualTo(plain.apply(q));

    // a file written without the bias (as every adapter before the option): no key, no tensor
    Path old = dir.resolve("without-bias");
    plain.save(old);
    JsonNode oldConfig = Json.mapper().readTree(old.resolve(LoraAdapter.CONFIG_FILE).toFile());
    assertThat(oldConfig.has(LoraAdapter.QUERY_BIAS_KEY)).isFalse();
    assertThat(oldConfig.get("ragstream_format_version").asInt()).isEqualTo(1);
    assertThat(LoraAdapter.load(old).bias()).isNull();
    assertThat(LoraAdapter.load(old).apply(q)).containsExactly(plain.apply(q));

    // the config says there is a bias but the weights have none
    ObjectNode c = (ObjectNode) oldConfig;
    c.put(LoraAdapter.QUERY_BIAS_KEY, true);
    Files.writeString(old.resolve(LoraAdapter.CONFIG_FILE), c.toString());
    assertThatThrownBy(() -> LoraAdapter.load(old))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("have no tensor query_bias");
    c.put(LoraAdapter.QUERY_BIAS_KEY, "yes");
    Files.writeString(old.resolve(LoraAdapter.CONFIG_FILE), c.toString());
    assertThatThrownBy(() -> LoraAdapter.load(old))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("ragstream_query_bias must be true or false");
  }

  @Test
  void loadNamesTheTensorAndBothShapesWhenTheWeightsDoNotMatchTheConfig() throws Exception {
    Path out = dir.resolve("adapter");
    random("id", 8, 2, 4, 1).save(out);
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("lora_A", new Safetensors.Tensor(new int[] {2, 8}, new float[16]));
    tensors.put("lora_B", new Safetensors.Tensor(new int[] {8, 3}, new float[24]));
    Path weights = out.resolve(LoraAdapter.WEIGHTS_FILE);
    Safetensors.write(weights, tensors, Map.of());
    assertThatThrownBy(() -> LoraAdapter.load(out))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining(weights.toString())
        .hasMessageContaining(
            "tensor lora_B has shape [8, 3], the config's r and dimension need [8, 2]");
  }

  @Test
  void loadRejectsMissingFilesForeignConfigsAndNonFileUris() throws Exception {
    assertThatThrownBy(() -> LoraAdapter.load(dir))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("no adapter_config.json in adapter directory " + dir);

    Path out = dir.resolve("adapter");
    random("id", 8, 2, 4, 1).save(out);
    Path config = out.resolve(LoraAdapter.CONFIG_FILE);
    ObjectNode c = (ObjectNode) Json.mapper().readTree(config.toFile());
    c.put("peft_type", "IA3");
    Files.writeString(config, c.toString());
    assertThatThrownBy(() -> LoraAdapter.load(out))
        .hasMessageContaining("peft_type must be \"LORA\"");
    c.put("peft_type", "LORA").put("ragstream_format_version", 99);
    Files.writeString(config, c.toString());
    assertThatThrownBy(() -> LoraAdapter.load(out))
        .hasMessageContaining("ragstream_format_version is 99, this version reads 1 and 2");

    Files.delete(config);
    random("id", 8, 2, 4, 1).save(out);
    Files.delete(out.resolve(LoraAdapter.WEIGHTS_FILE));
    assertThatThrownBy(() -> LoraAdapter.load(out))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("adapter_model.safetensors");

    assertThatThrownBy(() -> LoraAdapter.load(java.net.URI.create("s3://bucket/adapter")))
        .isInstanceOf(AdapterFormatException.class)
        .hasMessageContaining("not a file: URI");
  }

  static LoraAdapter random(String id, int d, int r, double alpha, long seed) {
    Random rnd = new Random(seed);
    float[] a = new float[r * d];
    float[] b = new float[d * r];
    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.01f;
    return LoraAdapter.of(id, EMBEDDER, d, r, alpha, a, b);
  }

  private static double dot(float[] x, float[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) s += x[i] * y[i];
    return s;
  }
}
