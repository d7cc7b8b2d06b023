package io.ragstream.cli.local;

import static org.awaitility.Awaitility.await;

import io.ragstream.core.port.Embedder;
import io.ragstream.core.port.VectorStore;
import io.ragstream.core.store.SearchFilter;
import io.ragstream.core.store.SearchHit;
import io.ragstream.core.store.SearchMode;
import io.ragstream.core.store.SearchRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the whole-platform integration tests share: unique names per run (tables, replication slot,
 * publication, topic prefix), the settings that point {@code ragstream local} at them, reading a
 * document's chunks from the store and records from a topic, and dropping it all at the end.
 */
final class PlatformFixture {
  static final String JDBC =
      System.getProperty("ragstream.it.jdbcUrl", "jdbc:postgresql://127.0.0.1:5432/postgres");

  final String suffix = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  final String slot;
  final String publication;
  final String topicPrefix;
  final String heartbeatTable;

  /** Names for one run: slot {@code ragstream_it_<name>suffix}, publication, topic prefix. */
  PlatformFixture(String name) {
    slot = "ragstream_it_" + name + suffix;
    publication = "ragstream_it_pub_" + name + suffix;
    topicPrefix = name.replace("_", "") + suffix;
    heartbeatTable = "public.ragstream_it_hb_" + name + suffix;
  }

  /** A connection to the source database as {@code postgres}. */
  static Connection connect() throws SQLException {
    return DriverManager.getConnection(JDBC, "postgres", "");
  }

  /** Settings (by key) for {@code ragstream local} on this run's slot, publication and prefix. */
  Map<String, String> settings(java.nio.file.Path dataDir) {
    Map<String, String> flags = new HashMap<>();
    flags.put("data-dir", dataDir.toString());
    flags.put("source.jdbc-url", JDBC);
    flags.put("source.slot", slot);
    flags.put("source.publication", publication);
    flags.put("source.topic-prefix", topicPrefix);
    flags.put("gateway.port", "0");
    flags.put("indexing.checkpoint-interval", "1s");
    flags.put("source.heartbeat.table", heartbeatTable);
    flags.put("source.heartbeat.interval", "1s");
    return flags;
  }

  /**
   * Drops this run's replication slot (if inactive), publication, heartbeat table and {@code
   * tables}, over a new connection (the test's own may have died with a server restart).
   */
  void dropAll(String... tables) throws SQLException {
    try (Connection db = connect();
        Statement s = db.createStatement()) {
      s.execute(
          "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
              + slot
              + "' and not active");
      s.execute("drop publication if exists " + publication);
      s.execute("drop table if exists " + heartbeatTable);
      for (String t : tables) {
        s.execute("drop table if exists " + t);
      }
    }
  }

  /** Every chunk of {@code documentId}: a dense search over the whole (small) index, filtered. */
  static List<SearchHit> chunks(VectorStore store, Embedder queries, String documentId) {
    float[] v = queries.embedQuery("anything");
    return store
        .search(
            new SearchRequest(
                "anything", v, SearchRequest.MAX_K, SearchMode.DENSE, SearchFilter.NONE, false))
        .stream()
        .filter(h -> h.documentId().equals(documentId))
        .toList();
  }

  /**
   * Reads {@code topic} from the beginning (a fresh consumer group) until {@code done} holds for
   * what was read, or fails after {@code wait}.
   */
  static List<ConsumerRecord<byte[], byte[]>> read(
      String bootstrapServers,
      String topic,
      Duration wait,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-read-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(wait)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return done.test(out);
              });
    }
    return out;
  }

  /** {@code words} words of oceanography vocabulary in sentences of 17 words, seeded. */
  static String longText(int words, long seed) {
    String[] vocab = {
      "ocean",
      "current",
      "salinity",
      "temperature",
      "gradient",
      "plankton",
      "upwelling",
      "nutrient",
      "coastal",
      "thermocline",
      "density",
      "circulation",
      "wind",
      "surface",
      "deep"
    };
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < words; i++) {
      sb.append(vocab[r.nextInt(vocab.length)]).append(i % 17 == 16 ? ". " : " ");
    }
    return sb.toString().trim();
  }
}
