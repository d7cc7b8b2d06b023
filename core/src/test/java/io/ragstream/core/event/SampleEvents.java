package io.ragstream.core.event;

import java.util.List;
import java.util.Random;

/** Valid sample events for the tests. */
public final class SampleEvents {
  public static final String QUERY_ID = "6f1c4b9e-2d0a-4f53-9a51-0c7e8d2b6a10";
  public static final String EMBEDDER = "bge-small-en-v1.5-q@langchain4j-embeddings-1.20.0-beta30";

  private SampleEvents() {}

  /** A random L2-normalized 384-d vector. */
  public static float[] embedding(long seed) {
    Random random = new Random(seed);
    float[] v = new float[384];
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / Math.sqrt(norm));
    }
    return v;
  }

  public static QueryEvent hybrid(String queryId) {
    return new QueryEvent(
        queryId,
        QueryEvent.SEARCH,
        "acme",
        "alice",
        "how do bees communicate",
        embedding(42),
        "hybrid",
        10,
        new double[] {0.91, 0.87, 0.87},
        List.of("pg:public.documents:42", "pg:public.documents:7", "pg:public.documents:7"),
        38,
        1_763_900_000_123L,
        EMBEDDER);
  }

  public static QueryEvent bm25(String queryId) {
    return new QueryEvent(
        queryId,
        QueryEvent.CHAT,
        "acme",
        "bob",
        "waggle dance",
        null,
        "bm25",
        5,
        new double[] {12.5},
        List.of("pg:public.documents:42"),
        4,
        1_763_900_000_456L,
        null);
  }

  public static FeedbackEvent feedback(String queryId, String comment) {
    return new FeedbackEvent(
        queryId, "pg:public.documents:42", true, "acme", "alice", 1_763_900_042_000L, comment);
  }
}
