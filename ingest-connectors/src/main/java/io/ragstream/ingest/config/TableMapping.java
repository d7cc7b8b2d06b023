package io.ragstream.ingest.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the rows of one source table become {@link io.ragstream.core.model.DocumentChange}s: which
 * column holds the document id, title, body, tenant and ACL, and which extra columns go into the
 * metadata map.
 *
 * <p>{@code schema}, {@code table}, {@code idColumn} and {@code bodyColumn} are required. {@code
 * titleColumn}, {@code tenantColumn} and {@code aclColumn} may be {@code null} for "not mapped" (no
 * title, no tenant, an empty ACL: the document is then invisible unless the gateway is configured
 * otherwise). A name that is present must not be blank. The id column must be the table's primary
 * key: deletes carry only the key columns (PostgreSQL's default replica identity), so {@link
 * io.ragstream.ingest.cdc.PostgresCdcSource} refuses tables where it is not.
 *
 * @param schema PostgreSQL schema, e.g. {@code public}; for MariaDB/MySQL the database, e.g. {@code
 *     test}
 * @param table table name, e.g. {@code documents}
 * @param idColumn primary-key column; its value becomes the document id
 * @param titleColumn title column or null
 * @param bodyColumn body (indexed text) column
 * @param tenantColumn tenant column or null
 * @param aclColumn ACL column ({@code text[]}) or null
 * @param metadataColumns extra columns copied into the metadata map as strings; never null ({@code
 *     null} is read as empty)
 * @throws IllegalArgumentException naming the field when a required name is missing or a name is
 *     blank or duplicated
 */
public record TableMapping(
    String schema,
    String table,
    String idColumn,
    String titleColumn,
    String bodyColumn,
    String tenantColumn,
    String aclColumn,
    List<String> metadataColumns) {

  /** Schema of the default source table ({@code public.documents} in DESIGN.md). */
  public static final String DEFAULT_SCHEMA = "public";

  /** Name of the default source table. */
  public static final String DEFAULT_TABLE = "documents";

  public TableMapping {
    required("schema", schema);
    required("table", table);
    required("idColumn", idColumn);
    optional("titleColumn", titleColumn);
    required("bodyColumn", bodyColumn);
    optional("tenantColumn", tenantColumn);
    optional("aclColumn", aclColumn);
    metadataColumns = metadataColumns == null ? List.of() : List.copyOf(metadataColumns);
    for (int i = 0; i < metadataColumns.size(); i++) {
      required("metadataColumns[" + i + "]", metadataColumns.get(i));
    }
    List<String> mapped = new ArrayList<>();
    for (String c : new String[] {idColumn, titleColumn, bodyColumn, tenantColumn, aclColumn}) {
      if (c != null) {
        mapped.add(c);
      }
    }
    mapped.addAll(metadataColumns);
    Set<String> seen = new HashSet<>();
    for (String c : mapped) {
      if (!seen.add(c)) {
        throw new IllegalArgumentException(
            "column '" + c + "' is mapped twice in table mapping " + schema + "." + table);
      }
    }
  }

  /**
   * The mapping of DESIGN.md's default table {@code public.documents} ({@code id text primary key,
   * title text, body text, tenant text, acl text[], updated_at timestamptz}); metadata = {@code
   * [updated_at]}.
   */
  public static TableMapping defaults() {
    return forTable(DEFAULT_SCHEMA, DEFAULT_TABLE);
  }

  /** The default column names ({@link #defaults()}) for another table. */
  public static TableMapping forTable(String schema, String table) {
    return new TableMapping(
        schema, table, "id", "title", "body", "tenant", "acl", List.of("updated_at"));
  }

  /** {@code schema.table}. */
  public String qualifiedName() {
    return schema + "." + table;
  }

  /** The Debezium topic of this table: {@code <topicPrefix>.<schema>.<table>}. */
  public String topic(String topicPrefix) {
    return topicPrefix + "." + schema + "." + table;
  }

  /** Every mapped column (id first), without nulls. */
  public List<String> columns() {
    List<String> columns = new ArrayList<>();
    for (String c : new String[] {idColumn, titleColumn, bodyColumn, tenantColumn, aclColumn}) {
      if (c != null) {
        columns.add(c);
      }
    }
    columns.addAll(metadataColumns);
    return List.copyOf(columns);
  }

  private static void required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("table mapping " + field + " must not be blank");
    }
  }

  private static void optional(String field, String value) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException(
          "table mapping " + field + " must not be blank (use null for 'not mapped')");
    }
  }
}
