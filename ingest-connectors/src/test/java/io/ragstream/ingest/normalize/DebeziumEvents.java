package io.ragstream.ingest.normalize;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragstream.core.json.Json;

/**
 * Debezium PostgreSQL (pgoutput) change events, JSON with schemas disabled, shaped exactly like the
 * ones Debezium 3.6.1 emitted in {@code PostgresCdcSourceIT} (captured with the sink's TRACE log).
 */
final class DebeziumEvents {
  static final String TOPIC = "ragstream.public.documents";
  static final long SOURCE_TS = 1795433443063L;
  static final long ENVELOPE_TS = 1795433443431L;

  private DebeziumEvents() {}

  /** A full row of {@code public.documents}. */
  static ObjectNode row(String id, String title, String body, String tenant, String... acl) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("id", id);
    row.put("title", title);
    row.put("body", body);
    row.put("tenant", tenant);
    if (acl == null) {
      row.putNull("acl");
    } else {
      var array = row.putArray("acl");
      for (String p : acl) {
        array.add(p);
      }
    }
    row.put("updated_at", "2024-05-01T12:00:00.000000Z");
    return row;
  }

  /** The {@code before} of a delete under REPLICA IDENTITY DEFAULT: only the key is set. */
  static ObjectNode keyOnlyBefore(String id) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("id", id);
    row.putNull("title");
    row.putNull("body");
    row.putNull("tenant");
    row.putNull("acl");
    row.putNull("updated_at");
    return row;
  }

  static String key(String id) {
    return "{\"id\":\"" + id + "\"}";
  }

  static ObjectNode envelope(String op, ObjectNode before, ObjectNode after, long lsn) {
    return envelope(op, before, after, lsn, "public", "documents");
  }

  static ObjectNode envelope(
      String op, ObjectNode before, ObjectNode after, long lsn, String schema, String table) {
    ObjectNode e = JsonNodeFactory.instance.objectNode();
    if (before == null) {
      e.putNull("before");
    } else {
      e.set("before", before);
    }
    if (after == null) {
      e.putNull("after");
    } else {
      e.set("after", after);
    }
    ObjectNode source = e.putObject("source");
    source.put("version", "3.6.1.Final");
    source.put("connector", "postgresql");
    source.put("name", "ragstream");
    source.put("ts_ms", SOURCE_TS);
    source.put("snapshot", op.equals("r") ? "last" : "false");
    source.put("db", "postgres");
    source.put("sequence", "[null,\"" + lsn + "\"]");
    source.put("ts_us", SOURCE_TS * 1000 + 889);
    source.put("ts_ns", (SOURCE_TS * 1000 + 889) * 1000);
    source.put("schema", schema);
    source.put("table", table);
    source.put("txId", 777);
    source.put("lsn", lsn);
    source.putNull("xmin");
    source.putNull("origin");
    source.putNull("origin_lsn");
    e.putNull("transaction");
    e.put("op", op);
    e.put("ts_ms", ENVELOPE_TS);
    e.put("ts_us", ENVELOPE_TS * 1000 + 508);
    e.put("ts_ns", (ENVELOPE_TS * 1000 + 508) * 1000 + 380);
    return e;
  }

  static String json(ObjectNode node) {
    return Json.write(node);
  }
}
