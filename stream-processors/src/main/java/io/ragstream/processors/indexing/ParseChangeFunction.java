package io.ragstream.processors.indexing;

import io.ragstream.core.json.Json;
import io.ragstream.core.model.DeadLetterReason;
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
    DocumentChange change;
    try {
      if (record.value == null) {
        throw new IllegalArgumentException("record has no value");
      }
      change = Json.readChange(record.value);
    } catch (RuntimeException e) {
      ctx.output(DEAD_LETTERS, DeadLetter.of(record, DeadLetterReason.MALFORMED_RECORD, e));
      return;
    }
    if (record.key != null && !record.key.equals(change.documentId())) {
      ctx.output(
          DEAD_LETTERS,
          DeadLetter.of(
              record,
              DeadLetterReason.KEY_MISMATCH,
              "Kafka key '"
                  + record.key
                  + "' differs from documentId '"
                  + change.documentId()
                  + "'",
              IllegalArgumentException.class.getName()));
      return;
    }
    record.documentId = change.documentId();
    out.collect(record);
  }
}
