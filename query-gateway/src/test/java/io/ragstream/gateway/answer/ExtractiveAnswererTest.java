package io.ragstream.gateway.answer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExtractiveAnswererTest {
  private final ExtractiveAnswerer answerer = new ExtractiveAnswerer();
  private final Vertx vertx = Vertx.vertx();

  private static final List<Passage> PASSAGES =
      List.of(
          new Passage(
              1,
              "d1",
              0,
              "Sourdough",
              "Sourdough is leavened by wild yeast. The bakery opens at nine. Lactic acid bacteria"
                  + " give sourdough its sour taste."),
          new Passage(
              2,
              "d2",
              0,
              "Bees",
              "Honey bees dance to show where flowers are. Bees make honey from nectar."));

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void answersWithTheMatchingSentencesAndCitesTheirPassages() {
    String answer = answerer.answer("What gives sourdough its sour taste?", PASSAGES);
    assertThat(answer)
        .contains("Lactic acid bacteria give sourdough its sour taste. [1]")
        .doesNotContain("bakery opens")
        .doesNotContain("[2]");
  }

  @Test
  void keepsPassageOrderAndCitesEachSentencesOwnPassage() {
    String answer = answerer.answer("sourdough yeast and honey bees", PASSAGES);
    assertThat(answer).containsSubsequence("[1]", "[2]");
    assertThat(answer).contains("wild yeast. [1]").contains("[2]");
  }

  @Test
  void saysSoWhenNothingWasRetrieved() {
    assertThat(answerer.answer("anything", List.of())).isEqualTo(ExtractiveAnswerer.NOTHING_FOUND);
  }

  @Test
  void fallsBackToTheBestPassagesFirstSentenceWithoutOverlap() {
    assertThat(answerer.answer("quantum chromodynamics", PASSAGES))
        .isEqualTo("Sourdough is leavened by wild yeast. [1]");
  }

  @Test
  void streamsWordByWordOnTheCallingContextAndStopsWhenCancelled() throws Exception {
    List<String> tokens = new ArrayList<>();
    CompletableFuture<String> done = new CompletableFuture<>();
    AtomicInteger wrongThread = new AtomicInteger();
    vertx.runOnContext(
        v -> {
          Thread thread = Thread.currentThread();
          answerer.generate(
              new GenerationRequest("sour taste of sourdough", PASSAGES, List.of(), null),
              new GenerationListener() {
                public void onToken(String text) {
                  if (Thread.currentThread() != thread) wrongThread.incrementAndGet();
                  tokens.add(text);
                }

                public void onComplete() {
                  done.complete(String.join("", tokens));
                }

                public void onError(Throwable error) {
                  done.completeExceptionally(error);
                }
              });
        });
    String streamed = done.get(5, TimeUnit.SECONDS);
    assertThat(tokens).hasSizeGreaterThan(5);
    assertThat(streamed).isEqualTo(answerer.answer("sour taste of sourdough", PASSAGES));
    assertThat(wrongThread).hasValue(0);

    AtomicInteger afterCancel = new AtomicInteger();
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          Generation[] g = new Generation[1];
          g[0] =
              answerer.generate(
                  new GenerationRequest("sour taste of sourdough", PASSAGES, List.of(), null),
                  new GenerationListener() {
                    public void onToken(String text) {
                      if (afterCancel.incrementAndGet() == 2) g[0].cancel();
                    }

                    public void onComplete() {
                      afterCancel.addAndGet(1000);
                    }

                    public void onError(Throwable error) {
                      afterCancel.addAndGet(1000);
                    }
                  });
          vertx.setTimer(200, t -> cancelled.complete(null));
        });
    cancelled.get(5, TimeUnit.SECONDS);
    assertThat(afterCancel).as("no token or end after cancel").hasValue(2);
  }
}
