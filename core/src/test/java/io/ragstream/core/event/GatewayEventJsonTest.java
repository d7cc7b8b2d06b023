package io.ragstream.core.event;

import static io.ragstream.core.event.SampleEvents.QUERY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatewayEventJsonTest {

  @Test
  void queryRoundTripsWithEveryFieldInOrder() throws Exception {
    QueryEvent event = SampleEvents.hybrid(QUERY_ID);
    byte[] json = GatewayEventJson.toJson(event);

    assertThat(GatewayEventJson.queryFromJson(json)).isEqualTo(event);
    JsonNode tree = Json.mapper().readTree(json);
    assertThat(tree.fieldNames())
        .toIterable()
        .containsExactly(
            "queryId",
            "kind",
            "tenant",
            "subject",
            "query",
            "embedding",
            "mode",
            "k",
            "topScores",
            "documentIds",
            "latencyMs",
            "at",
            "embedder");
    assertThat(tree.get("embedding")).hasSize(384);
    assertThat(tree.get("kind").asText()).isEqualTo("search");
    assertThat(tree.get("mode").asText()).isEqualTo("hybrid");
    assertThat(tree.get("at").asLong()).isEqualTo(1_763_900_000_123L);
    assertThat(tree.get("topScores").toString()).isEqualTo("[0.91,0.87,0.87]");
  }

  @Test
  void embeddingFloatsRoundTripExactly() {
    for (long seed = 0; seed < 50; seed++) {
      QueryEvent event =
          new QueryEvent(
              QueryEvent.newQueryId(),
              "answer",
              "t",
              "s",
              "q",
              SampleEvents.embedding(seed),
              "dense",
              1,
              new double[] {Math.PI / (seed + 1)},
              List.of("d"),
              0,
              0,
              "m");
      assertThat(GatewayEventJson.queryFromJson(GatewayEventJson.toJson(event))).isEqualTo(event);
    }
  }

  @Test
  void bm25QueryLeavesOutEmbeddingAndEmbedderAndReadsExplicitNulls() throws Exception {
    QueryEvent event = SampleEvents.bm25(QUERY_ID);
    byte[] json = GatewayEventJson.toJson(event);

    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\",\"kind\":\"chat\","
                + "\"tenant\":\"acme\",\"subject\":\"bob\",\"query\":\"waggle dance\","
                + "\"mode\":\"bm25\",\"k\":5,\"topScores\":[12.5],"
                + "\"documentIds\":[\"pg:public.documents:42\"],\"latencyMs\":4,"
                + "\"at\":1763900000456}");
    QueryEvent back = GatewayEventJson.queryFromJson(json);
    assertThat(back).isEqualTo(event);
    assertThat(back.embedding()).isNull();

    ObjectNode withNulls = (ObjectNode) Json.mapper().readTree(json);
    withNulls.putNull("embedding");
    withNulls.putNull("embedder");
    withNulls.put("futureField", "ignored");
    assertThat(GatewayEventJson.queryFromJson(bytes(withNulls))).isEqualTo(event);
  }

  @Test
  void feedbackRoundTripsWithAndWithoutComment() {
    FeedbackEvent withComment = SampleEvents.feedback(QUERY_ID, "spot on");
    assertThat(new String(GatewayEventJson.toJson(withComment), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\","
                + "\"documentId\":\"pg:public.documents:42\",\"relevant\":true,"
                + "\"tenant\":\"acme\",\"subject\":\"alice\",\"at\":1763900042000,"
                + "\"comment\":\"spot on\"}");
    assertThat(GatewayEventJson.feedbackFromJson(GatewayEventJson.toJson(withComment)))
        .isEqualTo(withComment);

    FeedbackEvent without =
        new FeedbackEvent(QUERY_ID, "pg:public.documents:7", false, "acme", "alice", 5, null);
    assertThat(new String(GatewayEventJson.toJson(without), StandardCharsets.UTF_8))
        .doesNotContain("comment");
    assertThat(GatewayEventJson.feedbackFromJson(GatewayEventJson.toJson(without)))
        .isEqualTo(without);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "remove | k           |          | malformed QueryEvent: k is required",
        "null   | topScores   |          | malformed QueryEvent: topScores is required",
        "remove | queryId     |          | malformed QueryEvent: queryId is required",
        "set    | k           | '\"10\"' | malformed QueryEvent: k must be an integer, was string",
        "set    | k           | 1.5      | malformed QueryEvent: k must be an integer, was number",
        "set    | kind        | '\"x\"'  | malformed QueryEvent: kind must be one of search, answer, chat, was 'x'",
        "set    | queryId     | '\"\"'   | malformed QueryEvent: queryId must not be blank",
        "set    | topScores   | '[1]'    | malformed QueryEvent: topScores must have one score per documentIds entry: 1 scores, 3 documentIds",
        "set    | topScores   | '[\"1\",0.5,0.4]' | malformed QueryEvent: topScores must be an array of numbers, element 0 was string",
        "set    | documentIds | 'null'   | malformed QueryEvent: documentIds is required",
        "set    | documentIds | '\"a\"'  | malformed QueryEvent: documentIds must be an array of strings, was string",
        "set    | embedding   | '[1,true]' | malformed QueryEvent: embedding must be an array of numbers, element 1 was boolean",
        "set    | embedder    | 7        | malformed QueryEvent: embedder must be a string, was number",
        "remove | embedding   |          | malformed QueryEvent: embedding is required when mode is hybrid",
      })
  void rejectsBadQueryJsonNamingTheField(String action, String field, String value, String message)
      throws Exception {
    ObjectNode json =
        (ObjectNode) Json.mapper().readTree(GatewayEventJson.toJson(SampleEvents.hybrid(QUERY_ID)));
    switch (action) {
      case "remove" -> json.remove(field);
      case "null" -> json.putNull(field);
      default -> json.set(field, Json.mapper().readTree(value));
    }
    assertThatThrownBy(() -> GatewayEventJson.queryFromJson(bytes(json)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\",\"documentId\":\"d\",\"tenant\":\"t\",\"subject\":\"s\",\"at\":1}' | malformed FeedbackEvent: relevant is required",
        "'{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\",\"documentId\":\"d\",\"relevant\":\"true\",\"tenant\":\"t\",\"subject\":\"s\",\"at\":1}' | malformed FeedbackEvent: relevant must be a boolean, was string",
        "'{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\",\"documentId\":\" \",\"relevant\":true,\"tenant\":\"t\",\"subject\":\"s\",\"at\":1}' | malformed FeedbackEvent: documentId must not be blank",
        "'{\"queryId\":\"6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10\",\"documentId\":\"d\",\"relevant\":true,\"tenant\":\"t\",\"subject\":\"s\",\"at\":1,\"comment\":[]}' | malformed FeedbackEvent: comment must be a string, was array",
        "'[]'    | malformed FeedbackEvent: not a JSON object",
        "''      | malformed FeedbackEvent: not a JSON object",
      })
  void rejectsBadFeedbackJsonNamingTheField(String json, String message) {
    assertThatThrownBy(
            () -> GatewayEventJson.feedbackFromJson(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void rejectsMalformedJson() {
    assertThatThrownBy(
            () -> GatewayEventJson.queryFromJson("{\"queryId\":".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed QueryEvent: ");
    assertThatThrownBy(
            () -> GatewayEventJson.feedbackFromJson("{} {}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed FeedbackEvent: ");
    assertThatThrownBy(() -> GatewayEventJson.queryFromJson(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("malformed QueryEvent: no JSON (null)");
  }

  private static byte[] bytes(JsonNode node) throws Exception {
    return Json.mapper().writeValueAsBytes(node);
  }
}
