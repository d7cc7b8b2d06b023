package io.ragstream.ingest.normalize.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.core.json.Json;
import io.ragstream.core.model.DeadLetterReason;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.core.model.SourceInfo;
import io.ragstream.ingest.config.SourceKind;
import io.ragstream.ingest.config.TableMapping;
import io.ragstream.ingest.normalize.NormalizationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps one Debezium PostgreSQL, MariaDB or MySQL record (JSON key and envelope, schemas disabled or
 * enabled) to a {@link MappingOutcome}. Pure and thread-safe.
 *
 * <p>Envelope: {@code {before, after, source{connector, db, schema, table, lsn, ts_ms, ...}, op,
 * ts_ms}}; key: the primary-key columns. Rules:
 *
 * <ul>
 *   <li>{@code op} {@code c} (insert), {@code r} (snapshot read), {@code u} (update): UPSERT from
 *       {@code after} through the {@link TableMapping} of {@code source.schema}.{@code
 *       source.table}.
 *   <li>{@code d}: DELETE; the id comes from {@code before} (with the default replica identity it
 *       holds just the primary key) or else from the record key. A primary-key change arrives as a
 *       {@code d} of the old key and a {@code c} of the new one and maps to exactly that.
 *   <li>value {@code null} (Debezium's tombstone after a delete): a Kafka tombstone keyed by the
 *       documentId taken from the record key; the table comes from the topic name.
 *   <li>{@code t} (truncate), unknown tables, unknown ops, a missing or null id, a missing LSN,
 *       malformed JSON and values that break the {@link DocumentChange} contract: rejected, with
 *       the reason.
 * </ul>
 *
 * <p>MariaDB and MySQL ({@code source.connector} {@code mariadb} / {@code mysql}, as configured by
 * the {@link SourceKind}): the table is {@code source.db}.{@code source.table} (a database is the
 * schema of the mapping), the documentId {@code mariadb:<db>.<table>:<id>} ({@code mysql:...}), the
 * version the binlog coordinates packed by {@link BinlogVersion} (over-large coordinates are
 * rejected), and an ACL column may be a JSON column (it arrives as JSON text holding an array of
 * strings). An envelope from another connector than the configured one is rejected.
 *
 * <p>PostgreSQL: documentId is {@code pg:<schema>.<table>:<id>}. version is {@code source.lsn}: the
 * LSN of the change record in the WAL. DESIGN.md speaks of the commit LSN, but two updates of one
 * row in one transaction share a commit LSN, while the change LSN differs and, because row locks
 * serialize writers, grows with commit order for any one row. Snapshot reads ({@code r}) carry the
 * snapshot's LSN, which is below every change streamed after it. committedAt is {@code
 * source.ts_ms}, capturedAt the envelope's {@code ts_ms} (0 when absent). The ACL column is a
 * {@code text[]} (a JSON array of strings; NULL gives an empty list, NULL elements are dropped).
 * Title, body and tenant are strings (numbers and booleans are rendered as text). Metadata columns
 * are rendered as text, non-scalar values as JSON text; NULLs are left out.
 *
 * <p>Bad data (docs/bad-data.md): a mapped id, title, body, tenant or ACL column that is absent
 * from the row (dropped or renamed in the source) is rejected as {@link
 * DeadLetterReason#COLUMN_MISSING} naming the column and its mapping key, never read as NULL; a
 * metadata column that is absent is left out like a NULL. A title, body or tenant holding an array
 * or a struct (geometric types, arrays) is rejected as {@link DeadLetterReason#UNSUPPORTED_TYPE};
 * one still holding Debezium's unavailable-value placeholder (an unchanged TOASTed value the
 * reselect post processor could not read back) as {@link DeadLetterReason#VALUE_UNAVAILABLE}.
 */
public final class DebeziumChangeMapper {
  /** Prefix of PostgreSQL document ids. */
  public static final String ID_PREFIX = "pg:";

  /**
   * Debezium's {@code unavailable.value.placeholder} default: the value of a TOASTed column that an
   * UPDATE did not change, under REPLICA IDENTITY DEFAULT.
   */
  static final String UNAVAILABLE_VALUE = "__debezium_unavailable_value";

  private final SourceKind kind;
  private final Map<String, TableMapping> byTopic = new HashMap<>();
  private final Map<String, TableMapping> byTable = new HashMap<>();

  /** A mapper for PostgreSQL's topics {@code <topicPrefix>.<schema>.<table>} of {@code tables}. */
  public DebeziumChangeMapper(String topicPrefix, List<TableMapping> tables) {
    this(topicPrefix, tables, SourceKind.POSTGRESQL);
  }

  /** A mapper for the Debezium topics of {@code tables} captured from a {@code kind} source. */
  public DebeziumChangeMapper(String topicPrefix, List<TableMapping> tables, SourceKind kind) {
    this.kind = kind;
    for (TableMapping t : tables) {
      byTopic.put(t.topic(topicPrefix), t);
      byTable.put(t.qualifiedName(), t);
    }
  }

  /** {@code pg:<schema>.<table>:<id>}, the documentId of row {@code id} of {@code table}. */
  public static String documentId(TableMapping table, String id) {
    return documentId(SourceKind.POSTGRESQL, table, id);
  }

  /** {@code <kind prefix><schema>.<table>:<id>}, e.g. {@code mariadb:test.documents:42}. */
  public static String documentId(SourceKind kind, TableMapping table, String id) {
    return kind.documentIdPrefix() + table.qualifiedName() + ":" + id;
  }

  /**
   * Maps one record; never throws (failures become {@link MappingOutcome.Rejected}).
   *
   * @param topic topic the record was read from
   * @param key UTF-8 JSON key bytes, may be null
   * @param value UTF-8 JSON envelope bytes, null for a tombstone
   */
  public MappingOutcome map(String topic, byte[] key, byte[] value) {
    try {
      return value == null ? tombstone(topic, key) : change(topic, key, value);
    } catch (NormalizationException e) {
      return new MappingOutcome.Rejected(e.getMessage(), e);
    } catch (RuntimeException e) {
      return new MappingOutcome.Rejected(
          "cannot map record from " + topic + ": " + e.getMessage(), e);
    }
  }

  private MappingOutcome tombstone(String topic, byte[] key) {
    TableMapping table = byTopic.get(topic);
    if (table == null) {
      throw new NormalizationException(
          DeadLetterReason.UNKNOWN_TABLE, "no table mapping for topic " + topic + " (tombstone)");
    }
    if (key == null) {
      throw new NormalizationException("tombstone without key on topic " + topic);
    }
    JsonNode keyNode = parse(key, "key");
    return new MappingOutcome.Tombstone(
        documentId(kind, table, id(keyNode, table.idColumn(), "the record key")));
  }

  private MappingOutcome change(String topic, byte[] key, byte[] value) {
    JsonNode envelope = parse(value, "value");
    if (!envelope.isObject()) {
      throw new NormalizationException(
          "record value is not a Debezium envelope (JSON " + envelope.getNodeType() + ")");
    }
    JsonNode source = envelope.path("source");
    if (!source.isObject()) {
      throw new NormalizationException("Debezium envelope without a source block");
    }
    String connector = text(source, "connector");
    if (connector != null && !connector.equals(kind.connector())) {
      throw new NormalizationException(
          "record from Debezium connector '"
              + connector
              + "' but the normalizer is configured for "
              + kind.connector());
    }
    String schema = text(source, kind.binlog() ? "db" : "schema");
    String tableName = text(source, "table");
    if (tableName == null) {
      throw new NormalizationException("Debezium envelope without source.table");
    }
    String qualified = schema == null ? tableName : schema + "." + tableName;
    TableMapping table = byTable.get(qualified);
    if (table == null) {
      throw new NormalizationException(
          DeadLetterReason.UNKNOWN_TABLE,
          "no table mapping for " + qualified + " (topic " + topic + ")");
    }
    String op = text(envelope, "op");
    if (op == null) {
      throw new NormalizationException("Debezium envelope without op");
    }
    if (op.equals("t")) {
      throw new NormalizationException(
          DeadLetterReason.UNSUPPORTED_OPERATION,
          "truncate is not supported: TRUNCATE of "
              + qualified
              + " names no rows, so its"
              + " documents cannot be deleted one by one; they stay indexed until a reconcile"
              + " removes them");
    }
    long version = kind.binlog() ? BinlogVersion.of(source, op.equals("r")) : lsn(source);
    long committedAt = longOrZero(source, "ts_ms");
    long capturedAt = longOrZero(envelope, "ts_ms");
    SourceInfo sourceInfo =
        new SourceInfo(kind.connector(), text(source, "db"), table.schema(), table.table());
    return switch (op) {
      case "c", "r", "u" -> {
        JsonNode after = envelope.path("after");
        if (!after.isObject()) {
          throw new NormalizationException("op '" + op + "' without an after row");
        }
        String id = id(after, table.idColumn(), "after");
        yield new MappingOutcome.Change(
            new DocumentChange(
                DocumentChange.Op.UPSERT,
                documentId(kind, table, id),
                version,
                committedAt,
                capturedAt,
                mappedText(after, table, "title-column", table.titleColumn()),
                mappedText(after, table, "body-column", table.bodyColumn()),
                mappedText(after, table, "tenant-column", table.tenantColumn()),
                acl(after, requirePresent(after, table, "acl-column", table.aclColumn())),
                metadata(after, table.metadataColumns()),
                sourceInfo));
      }
      case "d" -> {
        JsonNode before = envelope.path("before");
        String id;
        if (before.isObject() && hasValue(before, table.idColumn())) {
          id = id(before, table.idColumn(), "before");
        } else if (key != null) {
          id = id(parse(key, "key"), table.idColumn(), "the record key");
        } else {
          throw new NormalizationException(
              "delete without id column '" + table.idColumn() + "' in before and without key");
        }
        yield new MappingOutcome.Change(
            DocumentChange.delete(
                documentId(kind, table, id), version, committedAt, capturedAt, sourceInfo));
      }
      default ->
          throw new NormalizationException(
              DeadLetterReason.UNSUPPORTED_OPERATION, "unknown Debezium op '" + op + "'");
    };
  }

  /** Parses JSON and unwraps a {@code {"schema":..., "payload":...}} envelope if present. */
  private static JsonNode parse(byte[] bytes, String what) {
    JsonNode node;
    try {
      node = Json.mapper().readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new NormalizationException(
          DeadLetterReason.MALFORMED_RECORD,
          "malformed JSON in record " + what + ": " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new NormalizationException("unreadable record " + what + ": " + e.getMessage(), e);
    }
    if (node == null || node.isMissingNode()) {
      throw new NormalizationException("empty record " + what);
    }
    if (node.isObject() && node.size() == 2 && node.has("schema") && node.has("payload")) {
      return node.get("payload");
    }
    return node;
  }

  private static String id(JsonNode row, String column, String where) {
    if (!row.isObject()) {
      throw new NormalizationException(
          "cannot read id column '" + column + "' from " + where + ": not a JSON object");
    }
    JsonNode v = row.get(column);
    if (v == null || v.isNull()) {
      throw new NormalizationException(
          DeadLetterReason.MISSING_ID, "missing id column '" + column + "' in " + where);
    }
    if (!v.isValueNode()) {
      throw new NormalizationException(
          "id column '" + column + "' in " + where + " must be a scalar, was " + v.getNodeType());
    }
    String id = v.asText();
    if (id.isBlank()) {
      throw new NormalizationException(
          DeadLetterReason.MISSING_ID, "id column '" + column + "' in " + where + " is blank");
    }
    return id;
  }

  private static long lsn(JsonNode source) {
    JsonNode lsn = source.get("lsn");
    if (lsn == null || lsn.isNull()) {
      throw new NormalizationException(
          DeadLetterReason.MISSING_VERSION, "missing source.lsn: no version for the change");
    }
    if (!lsn.isIntegralNumber() || !lsn.canConvertToLong() || lsn.asLong() < 0) {
      throw new NormalizationException(
          "source.lsn must be a non-negative integer, was " + lsn.toString());
    }
    return lsn.asLong();
  }

  private static long longOrZero(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return 0L;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new NormalizationException(field + " must be an integer (epoch ms), was " + v);
    }
    return v.asLong();
  }

  private static boolean hasValue(JsonNode row, String column) {
    JsonNode v = row.get(column);
    return v != null && !v.isNull();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /**
   * {@code column} (mapped under {@code mappingKey}, e.g. {@code body-column}) as text: rejected
   * when the row lacks it ({@link DeadLetterReason#COLUMN_MISSING}), holds an array or struct
   * ({@link DeadLetterReason#UNSUPPORTED_TYPE}) or Debezium's unavailable-value placeholder ({@link
   * DeadLetterReason#VALUE_UNAVAILABLE}); null when unmapped or NULL.
   */
  private static String mappedText(
      JsonNode row, TableMapping table, String mappingKey, String column) {
    requirePresent(row, table, mappingKey, column);
    if (column == null) {
      return null;
    }
    JsonNode v = row.get(column);
    if (v.isContainerNode()) {
      throw new NormalizationException(
          DeadLetterReason.UNSUPPORTED_TYPE,
          "column '"
              + column
              + "' ("
              + mappingKey
              + " of "
              + table.qualifiedName()
              + ") holds "
              + (v.isArray() ? "an array" : "a structured value (e.g. a geometric type)")
              + ", which cannot be indexed as text: map a text, varchar, json or jsonb column");
    }
    if (v.isTextual() && v.asText().equals(UNAVAILABLE_VALUE)) {
      throw new NormalizationException(
          DeadLetterReason.VALUE_UNAVAILABLE,
          "column '"
              + column
              + "' ("
              + mappingKey
              + " of "
              + table.qualifiedName()
              + ") was not sent by PostgreSQL (an UPDATE left this large, TOASTed value unchanged)"
              + " and Debezium's reselect post processor could not read it back (the row was"
              + " deleted meanwhile, or the source runs without ragstream's Debezium settings);"
              + " the later change of the row supersedes it, or ALTER TABLE "
              + table.qualifiedName()
              + " REPLICA IDENTITY FULL and replay");
    }
    return scalar(row, column);
  }

  /**
   * Returns {@code column} after checking that {@code row} has it (NULL counts as present).
   *
   * @throws NormalizationException {@link DeadLetterReason#COLUMN_MISSING} naming the column and
   *     its mapping key
   */
  private static String requirePresent(
      JsonNode row, TableMapping table, String mappingKey, String column) {
    if (column != null && !row.has(column)) {
      throw new NormalizationException(
          DeadLetterReason.COLUMN_MISSING,
          "mapped column '"
              + column
              + "' ("
              + mappingKey
              + " of table "
              + table.qualifiedName()
              + ") is not in the change: it was dropped or renamed in the source, or its type is"
              + " one Debezium does not capture. Fix the table or the mapping's "
              + mappingKey
              + ", restart, then replay the dead letters with reason "
              + DeadLetterReason.COLUMN_MISSING.code());
    }
    return column;
  }

  /** A text/number/boolean column as a string; null when unmapped or NULL. */
  private static String scalar(JsonNode row, String column) {
    if (column == null) {
      return null;
    }
    JsonNode v = row.get(column);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new NormalizationException(
          "column '" + column + "' must be a scalar (text), was " + v.getNodeType());
    }
    return v.asText();
  }

  private List<String> acl(JsonNode row, String column) {
    if (column == null) {
      return List.of();
    }
    JsonNode v = row.get(column);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isTextual() && kind.binlog()) {
      v = parse(v.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8), "acl column");
    }
    if (!v.isArray()) {
      throw new NormalizationException(
          DeadLetterReason.UNSUPPORTED_TYPE,
          "acl column '"
              + column
              + "' must be a text[] (JSON array of strings), was "
              + v.getNodeType());
    }
    List<String> acl = new ArrayList<>(v.size());
    for (JsonNode principal : v) {
      if (principal.isNull()) {
        continue;
      }
      if (!principal.isTextual()) {
        throw new NormalizationException(
            DeadLetterReason.UNSUPPORTED_TYPE,
            "acl column '" + column + "' must hold strings, found " + principal.getNodeType());
      }
      acl.add(principal.asText());
    }
    return acl;
  }

  private static Map<String, String> metadata(JsonNode row, List<String> columns) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (String column : columns) {
      JsonNode v = row.get(column);
      if (v == null || v.isNull()) {
        continue;
      }
      metadata.put(column, v.isValueNode() ? v.asText() : v.toString());
    }
    return metadata;
  }
}
