package io.ragstream.gateway.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.core.port.Embedder;
import io.ragstream.store.lucene.LuceneVectorStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swap of {@link ServingIndex} on real Lucene handles: a handle used after its close throws, so
 * any search that ran on a released generation fails these tests.
 */
class ServingIndexTest {
  @TempDir Path dir;

  /** A model-free embedder: only its id matters here. */
  private record NamedEmbedder(String id) implements Embedder {
    @Override
    public int dimension() {
      return 4;
    }

    @Override
    public float[] embedQuery(String query) {
      return new float[] {1, 0, 0, 0};
    }

    @Override
    public List<float[]> embedPassages(List<String> passages) {
      return passages.stream().map(this::embedQuery).toList();
    }
  }

  private ServingIndex.Generation generation(int number, String embedder, String index) {
    return new ServingIndex.Generation(
        number, new NamedEmbedder(embedder), LuceneVectorStore.open(dir.resolve(index)));
  }

  @Test
  void leaseTakenBeforeSwapKeepsTheOldGenerationOpenUntilClosed() {
    ServingIndex.Generation one = generation(1, "a", "index");
    ServingIndex index = ServingIndex.of(one, one.store());
    ServingIndex.Lease lease = index.acquire();

    ServingIndex.Generation two = generation(2, "b", "index-v2");
    assertThat(index.swap(two, two.store())).isEqualTo(1);

    assertThat(lease.generation().number()).isEqualTo(1);
    assertThat(lease.embedder().id()).isEqualTo("a");
    assertThat(lease.store().stats().points()).isZero(); // still open
    lease.close();
    lease.close(); // idempotent: must not release twice
    assertThatThrownBy(() -> one.store().stats()).isInstanceOf(IllegalStateException.class);

    try (ServingIndex.Lease next = index.acquire()) {
      assertThat(next.generation().number()).isEqualTo(2);
      assertThat(next.embedder().id()).isEqualTo("b");
    }
    index.close();
    assertThatThrownBy(() -> two.store().stats()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void swapWithoutLeasesReleasesAtOnce() {
    AtomicInteger released = new AtomicInteger();
    ServingIndex index = ServingIndex.of(generation(1, "a", "index"), released::incrementAndGet);
    index.swap(generation(2, "b", "index-v2"), () -> {});
    assertThat(released).hasValue(1);
    assertThat(index.serving().number()).isEqualTo(2);
    assertThat(index.swaps()).isEqualTo(1);
  }

  @Test
  void concurrentSearchesNeverUseAReleasedGenerationAndEachIsReleasedOnce() throws Exception {
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger releases = new AtomicInteger();
    ServingIndex.Generation first = generation(1, "a", "index");
    ServingIndex index =
        ServingIndex.of(
            first,
            () -> {
              releases.incrementAndGet();
              first.store().close();
            });
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong searches = new AtomicLong();
    Thread[] readers = new Thread[4];
    for (int t = 0; t < readers.length; t++) {
      readers[t] =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try (ServingIndex.Lease lease = index.acquire()) {
                    // the embedder and the store of one lease belong to one generation
                    String expected = lease.generation().number() % 2 == 1 ? "a" : "b";
                    if (!lease.embedder().id().equals(expected)) {
                      errors.add(new AssertionError("mixed generation " + lease.generation()));
                    }
                    lease.store().stats();
                    searches.incrementAndGet();
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                }
              });
      readers[t].start();
    }
    int swaps = 300;
    for (int n = 2; n <= swaps + 1; n++) {
      ServingIndex.Generation g =
          generation(n, n % 2 == 1 ? "a" : "b", n % 2 == 1 ? "index" : "index-v2");
      index.swap(
          g,
          () -> {
            releases.incrementAndGet();
            g.store().close();
          });
    }
    stop.set(true);
    for (Thread t : readers) t.join();
    index.close();

    assertThat(errors).isEmpty();
    assertThat(searches.get()).isPositive();
    assertThat(releases).hasValue(swaps + 1);
  }
}
