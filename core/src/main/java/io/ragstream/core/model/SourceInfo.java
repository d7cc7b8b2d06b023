package io.ragstream.core.model;

/**
 * Where a change came from.
 *
 * @param connector connector kind, e.g. {@code postgresql}
 * @param db database name
 * @param schema schema name (PostgreSQL) or null
 * @param table table name
 */
public record SourceInfo(String connector, String db, String schema, String table) {
  public SourceInfo {
    if (connector == null || connector.isBlank()) {
      throw new IllegalArgumentException("source.connector must not be blank");
    }
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("source.table must not be blank");
    }
  }

  /** {@code schema.table}, or {@code table} when there is no schema. */
  public String qualifiedTable() {
    return schema == null || schema.isBlank() ? table : schema + "." + table;
  }
}
