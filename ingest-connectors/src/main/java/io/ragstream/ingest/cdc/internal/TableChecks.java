package io.ragstream.ingest.cdc.internal;

import io.ragstream.ingest.cdc.CdcSetupException;
import io.ragstream.ingest.config.TableMapping;
import java.util.Collection;
import java.util.List;

/** The checks of a {@link TableMapping} against its table that every source catalog shares. */
final class TableChecks {
  private TableChecks() {}

  /**
   * The table's primary key must be exactly the mapping's id column.
   *
   * @param primaryKey the key columns in key order, empty when the table has none
   * @param withoutKey why a table without primary key cannot be captured (source-specific)
   * @throws CdcSetupException naming the table and the fix
   */
  static void primaryKeyIsIdColumn(TableMapping t, List<String> primaryKey, String withoutKey) {
    String name = t.qualifiedName();
    if (primaryKey.isEmpty()) {
      throw new CdcSetupException(
          "table "
              + name
              + " has no primary key: "
              + withoutKey
              + ". Add one, e.g. ALTER TABLE "
              + name
              + " ADD PRIMARY KEY ("
              + t.idColumn()
              + ")");
    }
    if (!primaryKey.equals(List.of(t.idColumn()))) {
      throw new CdcSetupException(
          "the primary key of table "
              + name
              + " is ("
              + String.join(", ", primaryKey)
              + ") but the mapping's idColumn is '"
              + t.idColumn()
              + "'; the id column must be the whole primary key, because deletes carry only the"
              + " key columns");
    }
  }

  /**
   * Every mapped column must exist.
   *
   * @param columns the table's columns in table order
   * @throws CdcSetupException naming the first missing column and listing the table's columns
   */
  static void mappedColumnsExist(TableMapping t, Collection<String> columns) {
    for (String column : t.columns()) {
      if (!columns.contains(column)) {
        throw new CdcSetupException(
            "mapped column '"
                + column
                + "' does not exist in table "
                + t.qualifiedName()
                + " (columns: "
                + String.join(", ", columns)
                + ")");
      }
    }
  }
}
