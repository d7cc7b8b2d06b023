package io.ragstream.ingest.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.error.RagstreamException;
import io.ragstream.core.error.RetriableException;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaCdcRecordSinkTest {

  @Test
  void sendsKeysValuesAndTombstonesToTheirTopicsInOrder() throws Exception {
    MockProducer<String, String> producer = producer();
    try (KafkaCdcRecordSink sink = new KafkaCdcRecordSink(producer)) {
      sink.write(
          List.of(
              new CdcRecord("p.public.documents", "{\"id\":\"1\"}", "{\"op\":\"d\"}"),
              new CdcRecord("p.public.documents", "{\"id\":\"1\"}", null),
              new CdcRecord("p.public.other", "{\"id\":\"2\"}", "{\"op\":\"c\"}")));
    }
    assertThat(producer.history())
        .extracting(ProducerRecord::topic, ProducerRecord::key, ProducerRecord::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "p.public.documents", "{\"id\":\"1\"}", "{\"op\":\"d\"}"),
            org.assertj.core.groups.Tuple.tuple("p.public.documents", "{\"id\":\"1\"}", null),
            org.assertj.core.groups.Tuple.tuple(
                "p.public.other", "{\"id\":\"2\"}", "{\"op\":\"c\"}"));
    assertThat(producer.flushed()).isTrue();
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void failsTheBatchWhenAnAcknowledgementFails() {
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer()) {
          @Override
          public synchronized void flush() {
            completeNext();
            errorNext(new NotEnoughReplicasException("only 0 in-sync replicas"));
          }
        };
    KafkaCdcRecordSink sink = new KafkaCdcRecordSink(producer);

    assertThatThrownBy(
            () ->
                sink.write(List.of(new CdcRecord("t", "k1", "v1"), new CdcRecord("t", "k2", "v2"))))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("record 2/2")
        .hasMessageContaining("key k2")
        .hasCauseInstanceOf(NotEnoughReplicasException.class);
  }

  @Test
  void classifiesAPermanentSendErrorAsNotRetriable() {
    MockProducer<String, String> producer = producer();
    producer.sendException = new RecordTooLargeException("too large");
    KafkaCdcRecordSink sink = new KafkaCdcRecordSink(producer);

    assertThatThrownBy(() -> sink.write(List.of(new CdcRecord("t", "k", "v"))))
        .isInstanceOf(RagstreamException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasCauseInstanceOf(RecordTooLargeException.class);
  }

  @Test
  void configuresAnIdempotentProducerThatWaitsForAllReplicas() {
    assertThat(KafkaCdcRecordSink.producerConfig("h:9092"))
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "h:9092");
  }

  private static MockProducer<String, String> producer() {
    return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
  }
}
