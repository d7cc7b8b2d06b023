package io.ragstream.ingest.kafka;

import io.ragstream.core.error.RagstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/** Topic administration shared by the parts that create their own topics. */
public final class KafkaTopics {
  private KafkaTopics() {}

  /**
   * Creates the topics of {@code topics} that do not exist yet. A topic created concurrently by
   * someone else ({@link TopicExistsException}) counts as existing.
   *
   * @param timeout bound of each admin call (listing, then each creation)
   * @return names of the topics this call created, in the order given
   * @throws ExecutionException if listing the topics fails (the cause says why)
   * @throws RagstreamException if a creation fails for another reason than the topic existing,
   *     naming the topic; topics created before the failure stay created
   * @throws TimeoutException if Kafka does not answer within {@code timeout}
   */
  public static List<String> createMissing(Admin admin, List<NewTopic> topics, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    Set<String> existing =
        admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
    List<String> created = new ArrayList<>();
    if (missing.isEmpty()) {
      return created;
    }
    for (Map.Entry<String, KafkaFuture<Void>> entry :
        admin.createTopics(missing).values().entrySet()) {
      try {
        entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        created.add(entry.getKey());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new RagstreamException(
              "cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(),
              e.getCause());
        }
      }
    }
    return created;
  }
}
