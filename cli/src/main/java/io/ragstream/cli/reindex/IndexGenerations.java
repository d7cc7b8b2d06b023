package io.ragstream.cli.reindex;

import io.ragstream.cli.reindex.IndexGeneration.State;
import io.ragstream.core.json.Json;
import io.ragstream.embedding.Embedders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index generations of one data directory and their lifecycle, persisted in {@value #FILE_NAME}
 * so a restart serves the generation that served before (docs/reindex.md).
 *
 * <p>Invariants, checked on every load and transition: exactly one generation is {@code SERVING};
 * at most one is {@code BUILDING} and at most one {@code STANDBY}; numbers are unique and only
 * grow, so an index location is never reused by another embedder. Each transition is written
 * atomically (temporary file + atomic rename) before it returns; a failed write leaves the state
 * unchanged.
 *
 * <p>Thread-safe (every method is synchronized). Methods that change the state throw {@link
 * IllegalStateException} when the current state does not allow the change and {@link
 * IllegalArgumentException} for a bad argument, both with a message for the operator.
 */
public final class IndexGenerations {
  private static final Logger LOG = LoggerFactory.getLogger(IndexGenerations.class);

  /** The state file in the data directory. */
  public static final String FILE_NAME = "index-generations.json";

  /** The file's content. */
  record Persisted(List<IndexGeneration> generations) {}

  /**
   * Where each transition is recorded before it takes effect: the state file in local mode, the
   * compacted {@code ragstream.generations} topic in distributed mode ({@link GenerationsTopic}).
   */
  @FunctionalInterface
  public interface Sink {
    /**
     * Records {@code generations} durably, or throws (then the transition does not happen).
     *
     * @param generations every generation after the transition, oldest first
     */
    void record(List<IndexGeneration> generations);
  }

  private final Sink sink;
  private final Clock clock;
  private List<IndexGeneration> generations;

  private IndexGenerations(Sink sink, Clock clock, List<IndexGeneration> generations) {
    this.sink = sink;
    this.clock = clock;
    this.generations = check(generations);
  }

  /**
   * Generations recorded elsewhere (distributed mode: the last record of {@code
   * ragstream.generations}), or generation 1 serving {@code initialEmbedder} when {@code recorded}
   * is empty; every transition is written to {@code sink} before it returns.
   *
   * @throws IllegalArgumentException when {@code initialEmbedder} is unknown
   * @throws IllegalStateException when {@code recorded} breaks an invariant
   */
  public static IndexGenerations of(
      Optional<List<IndexGeneration>> recorded, String initialEmbedder, Clock clock, Sink sink) {
    Embedders.requireKnown(initialEmbedder);
    long now = clock.millis();
    return new IndexGenerations(
        Objects.requireNonNull(sink, "sink"),
        clock,
        recorded.orElseGet(
            () ->
                List.of(
                    new IndexGeneration(1, initialEmbedder, State.SERVING, now, now, "initial"))));
  }

  /** {@code generations} as the JSON document of the state file and the topic. */
  public static String toJson(List<IndexGeneration> generations) {
    return Json.write(new Persisted(generations));
  }

  /**
   * The generations of a JSON document written by {@link #toJson}, checked.
   *
   * @throws IllegalArgumentException when it is not such a document
   * @throws IllegalStateException when it breaks an invariant
   */
  public static List<IndexGeneration> fromJson(String json) {
    Persisted persisted;
    try {
      persisted = Json.mapper().readValue(json, Persisted.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an index generations document: " + e.getMessage(), e);
    }
    return check(persisted.generations() == null ? List.of() : persisted.generations());
  }

  /** The serving generation of a checked list. */
  public static IndexGeneration servingOf(List<IndexGeneration> generations) {
    return generations.stream()
        .filter(g -> g.state() == State.SERVING)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no serving generation in " + generations));
  }

  private static Sink fileSink(Path file) {
    return list -> {
      Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(tmp, toJson(list));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
      }
    };
  }

  /**
   * The generations of {@code dataDir}. Without a state file (a new data directory, or one from
   * before generations existed, whose index is {@code <data-dir>/index}), generation 1 is recorded
   * as serving with {@code configuredEmbedder}. With one, the file decides and {@code
   * configuredEmbedder} ({@code indexing.embedder}) is only compared: after a reindex it names the
   * model of generation 1, and the serving generation's model wins (logged).
   *
   * @throws IllegalArgumentException when {@code configuredEmbedder} is unknown
   * @throws IllegalStateException when the file breaks an invariant (named in the message)
   * @throws UncheckedIOException when the file cannot be read or written
   */
  public static IndexGenerations open(Path dataDir, String configuredEmbedder, Clock clock) {
    Embedders.requireKnown(configuredEmbedder);
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      long now = clock.millis();
      IndexGenerations g =
          new IndexGenerations(
              fileSink(file),
              clock,
              List.of(
                  new IndexGeneration(1, configuredEmbedder, State.SERVING, now, now, "initial")));
      g.sink.record(g.generations);
      return g;
    }
    Persisted persisted;
    try {
      persisted = Json.mapper().readValue(file.toFile(), Persisted.class);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable " + file + ": " + e.getMessage(), e);
    }
    IndexGenerations g =
        new IndexGenerations(
            fileSink(file),
            clock,
            persisted.generations() == null ? List.of() : persisted.generations());
    if (!g.serving().embedder().equals(configuredEmbedder)) {
      LOG.warn(
          "indexing.embedder is {} but generation {} ({}) serves since a reindex; serving {}",
          configuredEmbedder,
          g.serving().number(),
          g.serving().embedder(),
          g.serving().embedder());
    }
    return g;
  }

  /**
   * The generation serving in {@code dataDir}, read without writing anything; empty when no
   * generation was ever recorded (then generation 1, {@code <data-dir>/index}, with {@code
   * indexing.embedder} serves). For readers beside a running platform, such as {@code reconcile}.
   *
   * @throws IllegalStateException when the state file breaks an invariant
   * @throws UncheckedIOException when it cannot be read
   */
  public static Optional<IndexGeneration> readServing(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      Persisted persisted = Json.mapper().readValue(file.toFile(), Persisted.class);
      return Optional.of(
          new IndexGenerations(fileSink(file), Clock.systemUTC(), persisted.generations())
              .serving());
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable " + file + ": " + e.getMessage(), e);
    }
  }

  /** The Lucene directory of {@link #readServing}, {@code <data-dir>/index} without state. */
  public static Path servingLuceneDirectory(Path dataDir) {
    return dataDir.resolve(
        readServing(dataDir).map(IndexGeneration::luceneDirectory).orElse("index"));
  }

  private static List<IndexGeneration> check(List<IndexGeneration> list) {
    Set<Integer> numbers = new HashSet<>();
    int serving = 0;
    int building = 0;
    int standby = 0;
    for (IndexGeneration g : list) {
      Objects.requireNonNull(g, "generation");
      if (!numbers.add(g.number())) {
        throw new IllegalStateException("generation " + g.number() + " is recorded twice");
      }
      switch (g.state()) {
        case SERVING -> serving++;
        case BUILDING -> building++;
        case STANDBY -> standby++;
        default -> {}
      }
    }
    if (serving != 1) {
      throw new IllegalStateException(
          "exactly one index generation must serve, found " + serving + " in " + list);
    }
    if (building > 1 || standby > 1) {
      throw new IllegalStateException(
          "at most one BUILDING and one STANDBY generation allowed, found " + list);
    }
    List<IndexGeneration> sorted = new ArrayList<>(list);
    sorted.sort(Comparator.comparingInt(IndexGeneration::number));
    return List.copyOf(sorted);
  }

  /** Every generation, oldest first. */
  public synchronized List<IndexGeneration> list() {
    return generations;
  }

  /** Generation {@code number}. */
  public synchronized Optional<IndexGeneration> get(int number) {
    return generations.stream().filter(g -> g.number() == number).findFirst();
  }

  /** The generation the gateway searches. */
  public synchronized IndexGeneration serving() {
    return inState(State.SERVING).orElseThrow();
  }

  /** The generation being built, if any. */
  public synchronized Optional<IndexGeneration> building() {
    return inState(State.BUILDING);
  }

  /** The previous serving generation kept for rollback, if any. */
  public synchronized Optional<IndexGeneration> standby() {
    return inState(State.STANDBY);
  }

  /** The generations whose indexing job runs, oldest first. */
  public synchronized List<IndexGeneration> live() {
    return generations.stream().filter(IndexGeneration::live).toList();
  }

  private Optional<IndexGeneration> inState(State state) {
    return generations.stream().filter(g -> g.state() == state).findFirst();
  }

  /**
   * Records a new {@code BUILDING} generation with {@code embedder}, numbered one above every
   * generation so far.
   *
   * @throws IllegalArgumentException when {@code embedder} is unknown (the message lists the known
   *     ones)
   * @throws IllegalStateException when {@code embedder} already serves, a build is running, or a
   *     standby generation exists (retire or roll back to it first)
   */
  public synchronized IndexGeneration beginBuild(String embedder) {
    Embedders.requireKnown(embedder);
    IndexGeneration serving = serving();
    if (serving.embedder().equals(embedder)) {
      throw new IllegalStateException(
          "generation " + serving.number() + " already serves " + embedder + "; nothing to do");
    }
    Optional<IndexGeneration> building = building();
    if (building.isPresent()) {
      throw new IllegalStateException(
          "generation "
              + building.get().number()
              + " ("
              + building.get().embedder()
              + ") is being built; wait for its switch or restart after it fails");
    }
    Optional<IndexGeneration> standby = standby();
    if (standby.isPresent()) {
      throw new IllegalStateException(
          "generation "
              + standby.get().number()
              + " ("
              + standby.get().embedder()
              + ") is kept for rollback; retire it first (ragstream reindex --retire)");
    }
    int number = generations.stream().mapToInt(IndexGeneration::number).max().orElse(0) + 1;
    long now = clock.millis();
    IndexGeneration next =
        new IndexGeneration(number, embedder, State.BUILDING, now, now, "reindex requested");
    List<IndexGeneration> after = new ArrayList<>(generations);
    after.add(next);
    commit(after);
    return next;
  }

  /**
   * The building generation serves; the serving one becomes the standby.
   *
   * @throws IllegalStateException when {@code number} is not the building generation
   */
  public synchronized IndexGeneration completeBuild(int number) {
    IndexGeneration building =
        building()
            .filter(g -> g.number() == number)
            .orElseThrow(
                () -> new IllegalStateException("generation " + number + " is not being built"));
    return exchange(building, "caught up with ragstream.changes");
  }

  /**
   * The standby generation serves again; the serving one becomes the standby (so a second rollback
   * switches forward again).
   *
   * @throws IllegalStateException when there is no standby generation
   */
  public synchronized IndexGeneration rollback() {
    IndexGeneration standby =
        standby()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no previous generation to roll back to (none or already retired)"));
    return exchange(standby, "rollback");
  }

  private IndexGeneration exchange(IndexGeneration next, String why) {
    long now = clock.millis();
    IndexGeneration serving = serving();
    List<IndexGeneration> after = new ArrayList<>();
    IndexGeneration promoted = next.to(State.SERVING, now, why);
    for (IndexGeneration g : generations) {
      if (g.number() == next.number()) {
        after.add(promoted);
      } else if (g.number() == serving.number()) {
        after.add(g.to(State.STANDBY, now, "replaced by generation " + next.number()));
      } else {
        after.add(g);
      }
    }
    commit(after);
    return promoted;
  }

  /**
   * The standby generation is retired.
   *
   * @throws IllegalStateException when there is no standby generation
   */
  public synchronized IndexGeneration retire() {
    IndexGeneration standby =
        standby().orElseThrow(() -> new IllegalStateException("no previous generation to retire"));
    return replace(standby.to(State.RETIRED, clock.millis(), "retired"));
  }

  /**
   * The building generation failed or was abandoned with {@code reason}.
   *
   * @throws IllegalStateException when {@code number} is not the building generation
   */
  public synchronized IndexGeneration fail(int number, String reason) {
    IndexGeneration building =
        building()
            .filter(g -> g.number() == number)
            .orElseThrow(
                () -> new IllegalStateException("generation " + number + " is not being built"));
    return replace(building.to(State.FAILED, clock.millis(), reason));
  }

  private IndexGeneration replace(IndexGeneration changed) {
    List<IndexGeneration> after =
        generations.stream().map(g -> g.number() == changed.number() ? changed : g).toList();
    commit(after);
    return changed;
  }

  private void commit(List<IndexGeneration> after) {
    List<IndexGeneration> checked = check(after);
    sink.record(checked);
    generations = checked;
  }
}
