package io.ragstream.processors.indexing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.Chunk;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import io.ragstream.embedding.TokenChunker;
import io.ragstream.localkafka.EmbeddedKafkaBroker;
import io.ragstream.processors.local.LocalFlinkRunner;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Duplicated and reordered change streams through the real indexing path (embedded Kafka broker →
 * Flink job on a MiniCluster → Lucene), with a job restart from its checkpoint and a full replay of
 * the history in the middle: the final index must equal the last committed state of every document,
 * whatever order and multiplicity the changes arrived in.
 *
 * <p>The history is random (seed printed; {@code -Dragstream.it.seed=N} replays a run): upserts
 * with new text, attribute-only changes (tenant, ACL, title), deletes, resurrections and empty
 * bodies, with strictly increasing versions per document as a source's LSNs would be.
 */
class ReplayedChangesIT {
  private static final SourceInfo SOURCE =
      new SourceInfo("postgresql", "postgres", "public", "documents");
  private static final String TOPIC = "ragstream.changes.replay-it";
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int MAX_TOKENS = 32;
  private static final int OVERLAP = 4;
  private static final String[] SENTENCES = {
    "Honey bees dance to show where the flowers are.",
    "Glaciers carve deep valleys over thousands of years.",
    "The committee reviews salary bands every spring.",
    "Volcanic ash can ground flights for days.",
    "Photosynthesis turns light into chemical energy.",
    "Tides follow the pull of the moon and the sun.",
  };

  @TempDir Path dir;

  private final long seed = Long.getLong("ragstream.it.seed", System.nanoTime());
  private final Random random = new Random(seed);

  @Test
  void finalIndexEqualsTheLastCommittedStateWhateverTheOrderAndDuplicates() throws Exception {
    System.out.println("ReplayedChangesIT seed = " + seed);
    List<DocumentChange> history = history(10, 8);
    Map<String, DocumentChange> last = new TreeMap<>();
    for (DocumentChange c : history) {
      last.merge(c.documentId(), c, (a, b) -> a.version() >= b.version() ? a : b);
    }

    // Each change one to three times, all of them in random order (so per document too).
    List<DocumentChange> stream = new ArrayList<>();
    for (DocumentChange c : history) {
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) stream.add(c);
    }
    Collections.shuffle(stream, random);
    int half = stream.size() / 2;

    Path index = dir.resolve("index");
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, Duration.ofSeconds(60));
        LuceneVectorStore store = LuceneVectorStore.open(index);
        KafkaProducer<String, String> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
      broker
          .admin()
          .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      send(producer, stream.subList(0, half));

      // First run: part of the stream, then a cancel (offsets and state in the checkpoint).
      JobClient job = start(broker, index);
      await().atMost(WAIT).until(() -> store.stats().documents() > 0);
      Thread.sleep(1_500); // let a checkpoint or two complete
      job.cancel().get(60, TimeUnit.SECONDS);

      // Second run restores the checkpoint; the rest arrives, then the whole history again.
      send(producer, stream.subList(half, stream.size()));
      List<DocumentChange> replay = new ArrayList<>(history);
      Collections.shuffle(replay, random);
      send(producer, replay);
      job = start(broker, index);
      try {
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    last.values().stream()
                        .allMatch(c -> store.version(c.documentId()) == c.version()));
        Thread.sleep(1_000); // anything still in flight would have to be stale: give it time
        assertIndexEquals(store, last);
      } finally {
        job.cancel().get(60, TimeUnit.SECONDS);
      }
    }
  }

  private void assertIndexEquals(LuceneVectorStore store, Map<String, DocumentChange> last) {
    TokenChunker chunker = new TokenChunker(MAX_TOKENS, OVERLAP);
    Map<String, List<SearchHit>> chunks = new HashMap<>();
    for (SearchHit h :
        store.search(
            new SearchRequest(
                String.join(" ", SENTENCES),
                null,
                SearchRequest.MAX_K,
                SearchMode.BM25,
                SearchFilter.NONE,
                false))) {
      chunks.computeIfAbsent(h.documentId(), k -> new ArrayList<>()).add(h);
    }
    int live = 0;
    for (DocumentChange c : last.values()) {
      String context =
          "seed " + seed + ", " + c.documentId() + " last " + c.op() + " v" + c.version();
      assertThat(store.version(c.documentId())).as(context).isEqualTo(c.version());
      List<SearchHit> got = chunks.getOrDefault(c.documentId(), List.of());
      if (c.op() == DocumentChange.Op.DELETE) {
        assertThat(got).as(context + ": no chunk of a deleted document").isEmpty();
        continue;
      }
      List<Chunk> expected = chunker.chunk(c.indexedBody());
      assertThat(got).as(context + ": chunks").hasSize(expected.size());
      assertThat(got.stream().map(SearchHit::text).sorted().toList())
          .as(context + ": chunk texts")
          .isEqualTo(expected.stream().map(Chunk::text).sorted().toList());
      assertThat(got).allSatisfy(h -> assertThat(h.version()).isEqualTo(c.version()));
      assertThat(got).allSatisfy(h -> assertThat(h.title()).isEqualTo(c.title()));
      if (!expected.isEmpty()) {
        live++;
        // Visible with the last tenant and ACL, and with no other tenant.
        String principal = c.acl().isEmpty() ? "nobody" : c.acl().get(0);
        assertThat(visible(store, c, new SearchFilter(c.tenant(), Set.of(principal))))
            .as(context + ": visible to " + principal + "@" + c.tenant())
            .isEqualTo(!c.acl().isEmpty());
        String otherTenant = c.tenant().equals("t1") ? "t2" : "t1";
        assertThat(visible(store, c, new SearchFilter(otherTenant, Set.copyOf(c.acl()))))
            .as(context + ": invisible to another tenant")
            .isFalse();
      }
    }
    // Nothing else: no chunk of a document that is not in the history.
    assertThat(last.keySet()).containsAll(chunks.keySet());
    assertThat(live).as("the history must leave live documents to check").isPositive();
  }

  private static boolean visible(LuceneVectorStore store, DocumentChange c, SearchFilter filter) {
    return store
        .search(
            new SearchRequest(
                c.indexedBody(), null, SearchRequest.MAX_K, SearchMode.BM25, filter, false))
        .stream()
        .anyMatch(h -> h.documentId().equals(c.documentId()));
  }

  /** A random history: per document, strictly increasing versions, any mix of operations. */
  private List<DocumentChange> history(int documents, int changesPerDocument) {
    List<DocumentChange> out = new ArrayList<>();
    long version = 1_000;
    for (int d = 0; d < documents; d++) {
      String id = "pg:public.documents:" + d;
      String body = body();
      String title = "Doc " + d;
      String tenant = "t1";
      List<String> acl = List.of("alice");
      for (int i = 0; i < changesPerDocument; i++) {
        version += 1 + random.nextInt(50);
        int kind = random.nextInt(10);
        if (kind < 2) {
          out.add(DocumentChange.delete(id, version, version, version, SOURCE));
          continue;
        }
        if (kind < 5) { // attributes only: same body
          tenant = random.nextBoolean() ? "t1" : "t2";
          acl =
              random.nextInt(5) == 0
                  ? List.of()
                  : List.of(random.nextBoolean() ? "alice" : "bob", "eng");
          title = "Doc " + d + " r" + i;
        } else {
          body = random.nextInt(8) == 0 ? "" : body();
        }
        out.add(
            new DocumentChange(
                DocumentChange.Op.UPSERT,
                id,
                version,
                version,
                version,
                title,
                body,
                tenant,
                acl,
                Map.of(),
                SOURCE));
      }
    }
    return out;
  }

  /** One to six sentences; up to about 70 tokens, so some bodies make several 32-token chunks. */
  private String body() {
    StringBuilder b = new StringBuilder();
    for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
      if (i > 0) b.append(' ');
      b.append(SENTENCES[random.nextInt(SENTENCES.length)]);
    }
    return b.toString();
  }

  private static void send(KafkaProducer<String, String> producer, List<DocumentChange> changes)
      throws Exception {
    for (DocumentChange c : changes) {
      producer.send(new ProducerRecord<>(TOPIC, c.documentId(), Json.write(c)));
    }
    producer.flush();
  }

  private JobClient start(EmbeddedKafkaBroker broker, Path index) throws Exception {
    DocumentIndexingJob job =
        DocumentIndexingJob.builder()
            .source(DocumentIndexingJob.kafkaSource(broker.bootstrapServers(), TOPIC, "replay-it"))
            .deadLetterSink(
                DocumentIndexingJob.deadLetterSink(broker.bootstrapServers(), TOPIC + ".dlq"))
            .store(Components.luceneStore(index))
            .embedder(Components.embedder("bge-small-en-v1.5-q"))
            .chunker(Components.tokenChunker(MAX_TOKENS, OVERLAP))
            .parallelism(2)
            .build();
    return LocalFlinkRunner.start(job, dir.resolve("checkpoints"), Duration.ofMillis(500), 2);
  }
}
