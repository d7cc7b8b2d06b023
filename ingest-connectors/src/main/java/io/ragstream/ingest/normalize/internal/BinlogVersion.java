package io.ragstream.ingest.normalize.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.normalize.NormalizationException;

/**
 * The {@code version} of a MariaDB/MySQL change: its binlog coordinates packed into one
 * non-negative {@code long} that grows with the binlog, as PostgreSQL's LSN does.
 *
 * <p>Debezium's binlog connectors put three coordinates in {@code source}: {@code file} (the binlog
 * file, {@code <basename>.<sequence number>}), {@code pos} (the byte position in that file of the
 * rows event that holds the change; every statement of a transaction has its own rows event, so two
 * updates of one row in one transaction have different positions, the later one higher) and {@code
 * row} (the row's index inside that rows event, 0-based). The binlog is written in commit order, so
 * for any one row these coordinates, compared as (sequence, pos, row), grow with commit order:
 *
 * <pre>
 *   version = sequence &lt;&lt; 47 | pos &lt;&lt; 15 | slot
 *   sequence: 16 bits (0 .. 65,535)     file number, e.g. 123 of mariadb-bin.000123
 *   pos:      32 bits (0 .. 4 GiB - 1)  byte position of the rows event in the file
 *   slot:     15 bits                   0 for a snapshot read ({@code op = r});
 *                                       row + 1 (1 .. 32,767) for a streamed change
 * </pre>
 *
 * <p>Bit 63 stays 0, so versions are non-negative and compare as numbers. Snapshot reads carry the
 * binlog position at which the snapshot was taken with slot 0: every change streamed after the
 * snapshot is at that position or later with a slot of at least 1, so its version is higher. A
 * primary-key change is one binlog row that Debezium turns into a delete of the old key and a
 * create of the new one: both get its version, which is fine, as they are two documents.
 * Coordinates that do not fit (a sequence over 65,535, a position of 4 GiB or more, a row index
 * over 32,766, a file name without a numeric extension) are rejected with the reason, so the record
 * goes to the dead-letter topic instead of getting a version that compares wrongly.
 *
 * <p>Limits: versions compare only within one binlog history. {@code RESET MASTER} (MariaDB: {@code
 * RESET MASTER}, MySQL 8.4: {@code RESET BINARY LOGS AND GTIDS}) or a new server starts again at
 * file 1, so the index must then be rebuilt from a new snapshot.
 */
public final class BinlogVersion {
  static final int SEQUENCE_BITS = 16;
  static final int POSITION_BITS = 32;
  static final int SLOT_BITS = 15;
  static final long MAX_SEQUENCE = (1L << SEQUENCE_BITS) - 1;
  static final long MAX_POSITION = (1L << POSITION_BITS) - 1;
  static final long MAX_ROW = (1L << SLOT_BITS) - 2;

  private BinlogVersion() {}

  /**
   * The version of the change whose Debezium {@code source} block is {@code source}.
   *
   * @param snapshot true for a snapshot read ({@code op = r})
   * @throws NormalizationException naming the coordinate that is missing or does not fit
   */
  static long of(JsonNode source, boolean snapshot) {
    long sequence = sequence(source.get("file"));
    long pos = number(source, "pos", MAX_POSITION);
    long slot = snapshot ? 0 : number(source, "row", MAX_ROW) + 1;
    return pack(sequence, pos, slot);
  }

  /**
   * The version just below every change written at or after binlog position {@code pos} of {@code
   * file} (slot 0): the horizon of a snapshot taken at that position.
   *
   * @throws NormalizationException when the coordinates do not fit the encoding
   */
  public static long horizon(String file, long pos) {
    if (pos < 0 || pos > MAX_POSITION) {
      throw new NormalizationException("binlog position " + pos + " does not fit the version");
    }
    return pack(sequence(com.fasterxml.jackson.databind.node.TextNode.valueOf(file)), pos, 0);
  }

  static long pack(long sequence, long pos, long slot) {
    return sequence << (POSITION_BITS + SLOT_BITS) | pos << SLOT_BITS | slot;
  }

  private static long sequence(JsonNode file) {
    if (file == null || file.isNull() || !file.isTextual() || file.asText().isBlank()) {
      throw new NormalizationException(
          "missing source.file (binlog file name): no version for the change");
    }
    String name = file.asText();
    String digits = name.substring(name.lastIndexOf('.') + 1);
    if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
      throw new NormalizationException(
          "source.file '" + name + "' does not end in a binlog sequence number (.NNNNNN)");
    }
    long sequence = Long.parseLong(digits);
    if (sequence > MAX_SEQUENCE) {
      throw new NormalizationException(
          "binlog file "
              + name
              + " has sequence number "
              + sequence
              + ", more than the "
              + MAX_SEQUENCE
              + " a version can hold; rebuild the index from a new snapshot");
    }
    return sequence;
  }

  private static long number(JsonNode source, String field, long max) {
    JsonNode v = source.get(field);
    if (v == null || v.isNull()) {
      throw new NormalizationException("missing source." + field + ": no version for the change");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new NormalizationException(
          "source." + field + " must be a non-negative integer, was " + v);
    }
    if (v.asLong() > max) {
      throw new NormalizationException(
          "source."
              + field
              + " = "
              + v.asLong()
              + " is more than the "
              + max
              + " a version can hold");
    }
    return v.asLong();
  }
}
