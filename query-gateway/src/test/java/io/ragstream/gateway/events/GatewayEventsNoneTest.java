package io.ragstream.gateway.events;

import static io.ragstream.core.event.SampleEvents.QUERY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.event.SampleEvents;
import org.junit.jupiter.api.Test;

class GatewayEventsNoneTest {

  @Test
  void completesAtOnceAndCountsWhatItDrops() {
    GatewayEvents events = GatewayEvents.none();
    assertThat(events.dropped()).isZero();

    assertThat(events.publishQuery(SampleEvents.hybrid(QUERY_ID)).succeeded()).isTrue();
    assertThat(events.publishFeedback(SampleEvents.feedback(QUERY_ID, null)).succeeded()).isTrue();
    assertThat(events.publishQuery(SampleEvents.bm25(QUERY_ID)).succeeded()).isTrue();
    assertThat(events.dropped()).isEqualTo(3);
    assertThat(GatewayEvents.none().dropped()).isZero();

    assertThatThrownBy(() -> events.publishQuery(null)).isInstanceOf(NullPointerException.class);
    events.close();
    events.close();
  }
}
