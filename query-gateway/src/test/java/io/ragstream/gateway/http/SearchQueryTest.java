package io.ragstream.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.store.Fusion;
import io.ragstream.core.store.SearchMode;
import io.ragstream.gateway.GatewayConfig;
import io.vertx.ext.web.handler.HttpException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SearchQueryTest {
  private static final GatewayConfig CONFIG = GatewayConfig.defaults();

  @Test
  void appliesDefaultsForAbsentAndNullFields() {
    assertThat(parse("{\"query\":\"bees\"}"))
        .isEqualTo(new SearchQuery("bees", 10, SearchMode.HYBRID, true, null));
    assertThat(parse("{\"query\":\"bees\",\"k\":null,\"mode\":null,\"collapse\":null}"))
        .isEqualTo(new SearchQuery("bees", 10, SearchMode.HYBRID, true, null));
  }

  @Test
  void readsEveryFieldWithModeCaseInsensitive() {
    assertThat(parse("{\"query\":\"bees\",\"k\":100,\"mode\":\"BM25\",\"collapse\":false}"))
        .isEqualTo(new SearchQuery("bees", 100, SearchMode.BM25, false, null));
    assertThat(parse("{\"query\":\"bees\",\"mode\":\"Dense\"}").mode()).isEqualTo(SearchMode.DENSE);
  }

  @Test
  void readsFusionWithRrfKDefaulting() {
    assertThat(parse("{\"query\":\"x\",\"fusion\":{\"method\":\"RRF\"}}").fusion())
        .isEqualTo(Fusion.rrf(60));
    assertThat(parse("{\"query\":\"x\",\"fusion\":{\"method\":\"rrf\",\"k\":10}}").fusion())
        .isEqualTo(Fusion.rrf(10));
    assertThat(parse("{\"query\":\"x\",\"fusion\":{\"method\":\"convex\"}}").fusion())
        .isEqualTo(Fusion.convex(Fusion.DEFAULT_ALPHA));
    assertThat(parse("{\"query\":\"x\",\"fusion\":{\"method\":\"convex\",\"alpha\":0.7}}").fusion())
        .isEqualTo(Fusion.convex(0.7));
    assertThat(parse("{\"query\":\"x\",\"fusion\":null}").fusion()).isNull();
  }

  @Test
  void acceptsAQueryOfExactlyTheMaximumLength() {
    String longest = "a".repeat(SearchQuery.MAX_QUERY_CHARS);
    assertThat(parse("{\"query\":\"" + longest + "\"}").query()).hasSize(2_000);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}                                       | query is required",
        "{\"query\":null}                         | query is required",
        "{\"query\":\"  \"}                       | query must not be blank",
        "{\"query\":42}                           | query must be a string",
        "{\"query\":\"x\",\"k\":0}                | k must be an integer in 1..100, was 0",
        "{\"query\":\"x\",\"k\":101}              | k must be an integer in 1..100, was 101",
        "{\"query\":\"x\",\"k\":2.5}              | k must be an integer",
        "{\"query\":\"x\",\"k\":\"5\"}            | k must be an integer",
        "{\"query\":\"x\",\"k\":99999999999999}   | k must be an integer",
        "{\"query\":\"x\",\"mode\":\"sparse\"}    | mode must be one of dense, bm25, hybrid, was \"sparse\"",
        "{\"query\":\"x\",\"collapse\":\"yes\"}   | collapse must be a boolean",
        "{\"query\":\"x\",\"filter\":{}}          | unknown field 'filter'",
        "{\"query\":\"x\",\"fusion\":\"rrf\"}     | fusion must be an object",
        "{\"query\":\"x\",\"fusion\":{}}          | fusion.method must be rrf or convex, was missing",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"max\"}} | fusion.method must be rrf or convex, was \"max\"",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"rrf\",\"k\":-1}} | fusion.k must be an integer in 0..10000",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"rrf\",\"alpha\":0.5}} | fusion.alpha applies to convex",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"convex\",\"alpha\":\"high\"}} | fusion.alpha (weight of dense) must be a number in [0, 1], was",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"convex\",\"alpha\":1.5}} | fusion.alpha (weight of dense) must be a number in [0, 1], was 1.5",
        "{\"query\":\"x\",\"fusion\":{\"method\":\"convex\",\"alpha\":0.5,\"w\":1}} | unknown field 'fusion.w'",
        "{\"query\":\"x\",\"query\":\"y\"}        | Duplicate field 'query'",
        "{\"query\":\"x\"} {}                     | malformed JSON",
        "{\"query\":                              | malformed JSON",
        "[1,2]                                    | request body must be a JSON object",
        "''                                       | request body must be a JSON object",
      })
  void rejectsBadBodiesWithA400NamingTheProblem(String body, String message) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            HttpException.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(400);
              assertThat(e.getPayload()).contains(message);
            });
  }

  @Test
  void rejectsAQueryOverTheMaximumLengthWithoutEchoingIt() {
    String tooLong = "a".repeat(SearchQuery.MAX_QUERY_CHARS + 1);

    assertThatThrownBy(() -> parse("{\"query\":\"" + tooLong + "\"}"))
        .isInstanceOfSatisfying(
            HttpException.class,
            e ->
                assertThat(e.getPayload())
                    .isEqualTo("query must be at most 2000 characters, was 2001"));
  }

  private static SearchQuery parse(String body) {
    return SearchQuery.parse(body.getBytes(StandardCharsets.UTF_8), CONFIG);
  }
}
