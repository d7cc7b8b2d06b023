package io.ragstream.trainer.policy;

import io.ragstream.core.event.AdapterKind;
import io.ragstream.trainer.config.KindPolicy;
import io.ragstream.trainer.config.TriggerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A trainer trigger in a child JVM, for {@link TrainerTriggerIT} to kill with SIGKILL. Prints
 * {@value #RUNNING} on stdout once RUNNING, then runs until killed.
 */
final class TriggerChildProcess {
  static final String RUNNING = "TRIGGER RUNNING";

  /** Topic prefix of the kill test, so it shares no topic with the other test. */
  static final String TOPIC_PREFIX = "kill.";

  private TriggerChildProcess() {}

  /** The config of parent and child: pairs alone at 4, 1 h cooldown, static membership. */
  static TriggerConfig config(Path dataDir) {
    return TriggerConfig.builder(dataDir)
        .applicationId("trainer-trigger-kill-it")
        .groupInstanceId("trainer-trigger-kill-it-0")
        .driftTopic(TOPIC_PREFIX + "drift")
        .feedbackTopic(TOPIC_PREFIX + "feedback")
        .resultsTopic(TOPIC_PREFIX + "training-results")
        .jobsTopic(TOPIC_PREFIX + "training-jobs")
        .dlqTopic(TOPIC_PREFIX + "dlq")
        .commitInterval(Duration.ofMillis(100))
        .policy(
            KindPolicy.defaults(AdapterKind.QUERY_ADAPTER)
                .withPairs(50, 4)
                .withTimes(Duration.ofHours(1), Duration.ofHours(12)))
        .build();
  }

  /** Arguments: bootstrap servers, data dir. */
  public static void main(String[] args) throws Exception {
    TrainerTrigger trigger = new TrainerTrigger(args[0], config(Path.of(args[1])), null);
    trigger.start().get(60, TimeUnit.SECONDS);
    System.out.println(RUNNING);
    System.out.flush();
    trigger.terminated().join();
  }
}
