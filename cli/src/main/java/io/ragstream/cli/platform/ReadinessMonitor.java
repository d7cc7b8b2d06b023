package io.ragstream.cli.platform;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.ragstream.cli.local.ConsumerLag;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides once a second whether a distributed process is ready: a condition of its own holds and
 * each watched consumer group has no lag (committed offsets at the end offsets) on its topics.
 * Publishes, in the given registry, {@code ragstream_kafka_consumer_lag_records{group,topic}} and
 * {@code ragstream_ready} (1 or 0), the names {@code ragstream local} uses.
 *
 * <p>A check that fails (Kafka unreachable, topic missing) leaves the previous verdict and is
 * logged at DEBUG; the process starts not ready.
 */
public final class ReadinessMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReadinessMonitor.class);

  private final Admin admin;
  private final MeterRegistry registry;
  private final Supplier<? extends Map<String, ? extends Collection<String>>> groups;
  private final BooleanSupplier condition;
  private final String name;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final Map<String, AtomicLong> lags = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;

  /**
   * Starts checking every second on a daemon thread.
   *
   * @param admin admin client of the Kafka the groups consume
   * @param groups consumer group → topics whose lag must be 0
   * @param condition the process's own condition (called on the checking thread)
   * @param name the process, for the lifecycle log line ("ingest", "gateway")
   */
  public ReadinessMonitor(
      Admin admin,
      MeterRegistry registry,
      Map<String, ? extends Collection<String>> groups,
      BooleanSupplier condition,
      String name) {
    this(admin, registry, constant(new LinkedHashMap<>(groups)), condition, name);
  }

  /**
   * Like {@link #ReadinessMonitor(Admin, MeterRegistry, Map, BooleanSupplier, String)}, with the
   * groups asked for on every check (a gateway's indexer group changes with its serving index
   * generation).
   */
  public ReadinessMonitor(
      Admin admin,
      MeterRegistry registry,
      Supplier<? extends Map<String, ? extends Collection<String>>> groups,
      BooleanSupplier condition,
      String name) {
    this.admin = Objects.requireNonNull(admin, "admin");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.groups = Objects.requireNonNull(groups, "groups");
    this.condition = Objects.requireNonNull(condition, "condition");
    this.name = name;
    Gauge.builder("ragstream.ready", ready, r -> r.get() ? 1 : 0)
        .description("1 once the process is ready (no consumer lag, own condition met)")
        .strongReference(true)
        .register(registry);
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ragstream-readiness");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::check, 0, 1, TimeUnit.SECONDS);
  }

  private static <T> Supplier<T> constant(T value) {
    return () -> value;
  }

  /** The last verdict. */
  public boolean ready() {
    return ready.get();
  }

  private void check() {
    try {
      long total = 0;
      for (var e : groups.get().entrySet()) {
        for (var lag : ConsumerLag.byTopic(admin, e.getKey(), e.getValue()).entrySet()) {
          gauge(e.getKey(), lag.getKey()).set(lag.getValue());
          total += lag.getValue();
        }
      }
      boolean now = total == 0 && condition.getAsBoolean();
      if (now != ready.getAndSet(now)) {
        LOG.info("{} {}", name, now ? "ready" : "not ready (catching up)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("Readiness check of {} failed: {}", name, e.toString());
    }
  }

  private AtomicLong gauge(String group, String topic) {
    return lags.computeIfAbsent(
        group + "\u0000" + topic,
        k -> {
          AtomicLong v = new AtomicLong();
          Gauge.builder("ragstream.kafka.consumer.lag.records", v, AtomicLong::get)
              .description("Records of the topic not yet consumed by the consumer group")
              .tags(Tags.of("group", group, "topic", topic))
              .register(registry);
          return v;
        });
  }

  /** Stops checking. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
