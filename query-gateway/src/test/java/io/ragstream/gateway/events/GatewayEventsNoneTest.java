package io.ragstream.gateway.events;

import static io.ragstream.gateway.events.Events.QUERY_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GatewayEventsNoneTest {

  @Test
  void completesAtOnceAndCountsWhatItDrops() {
    GatewayEvents events = GatewayEvents.none();
    assertThat(events.dropped()).isZero();

    assertThat(events.publishQuery(Events.hybrid(QUERY_ID)).succeeded()).isTrue();
    assertThat(events.publishFeedback(Events.feedback(QUERY_ID, null)).succeeded()).isTrue();
    assertThat(events.publishQuery(Events.bm25(QUERY_ID)).succeeded()).isTrue();
    assertThat(events.dropped()).isEqualTo(3);
    assertThat(GatewayEvents.none().dropped()).isZero();

    assertThatThrownBy(() -> events.publishQuery(null)).isInstanceOf(NullPointerException.class);
    events.close();
    events.close();
  }
}
