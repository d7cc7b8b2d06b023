package io.ragstream.processors.indexing;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DocumentChange;
import io.ragstream.processors.indexing.internal.ChangeRecord;
import io.ragstream.processors.indexing.internal.DeadLetter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates each record of {@code ragstream.changes} as a {@link DocumentChange} and sets its
 * {@code documentId}; a record that does not parse, or whose Kafka key differs from its documentId,
 * goes to the {@link #DEAD_LETTERS} side output with the reason.
 */
public class ParseChangeFunction extends ProcessFunction<ChangeRecord, ChangeRecord> {
  private static final long serialVersionUID = 1L;

  /** Side output of records that cannot be indexed. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  @Override
  public void processElement(ChangeRecord record, Context ctx, Collector<ChangeRecord> out) {
    try {
      if (record.value == null) {
        throw new IllegalArgumentException("record has no value");
      }
      DocumentChange change = Json.readChange(record.value);
      if (record.key != null && !record.key.equals(change.documentId())) {
        throw new IllegalArgumentException(
            "Kafka key '" + record.key + "' differs from documentId '" + change.documentId() + "'");
      }
      record.documentId = change.documentId();
      out.collect(record);
    } catch (RuntimeException e) {
      ctx.output(DEAD_LETTERS, DeadLetter.of(record, e));
    }
  }
}
