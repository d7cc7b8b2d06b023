package io.ragstream.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ragstream.core.model.PointId;
import io.ragstream.core.port.Embedder;
import io.ragstream.core.store.DocumentAttributes;
import io.ragstream.core.store.DocumentUpdate;
import io.ragstream.core.store.Point;
import io.ragstream.embedding.Embedders;
import io.ragstream.gateway.GatewayConfig;
import io.ragstream.gateway.GatewayFeatures;
import io.ragstream.gateway.GatewayVerticle;
import io.ragstream.gateway.answer.AnswerGenerator;
import io.ragstream.gateway.answer.ExtractiveAnswerer;
import io.ragstream.gateway.answer.Generation;
import io.ragstream.gateway.answer.GenerationListener;
import io.ragstream.gateway.answer.GenerationRequest;
import io.ragstream.gateway.answer.Turn;
import io.ragstream.store.lucene.LuceneVectorStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The chat page at {@code /} in a real headless Chromium (the system's {@code chromium} and {@code
 * chromedriver}, driven by Selenium), against a gateway over a real Lucene index and the real
 * bge-small embedder. The answers are the extractive answerer's, paced like an LLM's tokens so the
 * page's streaming can be watched.
 *
 * <p>Skipped (not passed) when Chromium or chromedriver is missing; {@code .ci/run} installs them.
 * Their paths can be overridden with {@code -Dragstream.it.chromium=...} and {@code
 * -Dragstream.it.chromedriver=...}. The screenshot is kept in {@code target/chat-page.png}.
 */
class ChatPageIT {
  private static final Path CHROMIUM =
      Path.of(System.getProperty("ragstream.it.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER =
      Path.of(System.getProperty("ragstream.it.chromedriver", "/usr/bin/chromedriver"));
  private static final boolean BROWSER_INSTALLED =
      Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  private static final Path SCREENSHOT = Path.of("target", "chat-page.png");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Time between two answer tokens: slow enough that a poll sees the answer grow. */
  private static final Duration TOKEN_PACE = Duration.ofMillis(60);

  // Markup that would run or inject elements if the page used it as HTML (no '.' inside, so the
  // extractive answerer keeps it in one sentence).
  private static final String XSS_TITLE = "Pollination <img src=x onerror=\"alert('title')\">";
  private static final String XSS_TEXT =
      "Bees carry pollen between flowers <script>alert('script')</script>"
          + "<img src=x onerror=\"alert('img')\"> while they forage for nectar.";

  /** id -> title, text; all readable by the anonymous {@code public} caller. */
  private static final Map<String, String[]> DOCUMENTS =
      Map.of(
          "public:bees",
          new String[] {
            "Honey bees",
            "Honey bees tell hive mates where flowers are with the waggle dance. The angle of the"
                + " dance shows the direction of the food and its length shows the distance."
          },
          "public:pollination",
          new String[] {XSS_TITLE, XSS_TEXT},
          "public:kafka",
          new String[] {
            "Kafka topics",
            "A Kafka topic is split into partitions. Each partition is an ordered, append-only log."
          },
          "public:leave",
          new String[] {"Leave policy", "Engineers get thirty days of paid vacation each year."},
          "public:rust",
          new String[] {
            "Rust ownership",
            "Every value in Rust has a single owner, and the value is dropped when its owner goes"
                + " out of scope."
          });

  @TempDir static Path indexDir;
  static Embedder embedder;
  static LuceneVectorStore store;
  static Vertx vertx;
  static PacedGenerator generator;
  static GatewayVerticle gateway;
  static ChromeDriver driver;

  @BeforeAll
  static void start() {
    if (!BROWSER_INSTALLED) return; // every test is reported skipped by openPage()
    embedder = Embedders.createDefault();
    store = LuceneVectorStore.open(indexDir);
    int version = 1;
    for (Map.Entry<String, String[]> d : DOCUMENTS.entrySet()) {
      String title = d.getValue()[0];
      String text = d.getValue()[1];
      float[] vector = embedder.embedPassages(List.of(title + " " + text)).get(0);
      store.apply(
          new DocumentUpdate.Upsert(
              d.getKey(),
              version++,
              1_700_000_000_000L + version,
              new DocumentAttributes(title, "public", List.of("public"), Map.of()),
              Integer.toHexString(text.hashCode()),
              List.of(
                  new Point(
                      PointId.of(d.getKey(), 0),
                      0,
                      1,
                      text,
                      0,
                      text.length(),
                      vector,
                      embedder.id()))));
    }
    vertx = Vertx.vertx();
    generator = new PacedGenerator(vertx, TOKEN_PACE);
    gateway = deploy(0);

    ChromeOptions options = new ChromeOptions();
    // The system binaries, named explicitly, so Selenium Manager never looks for (or downloads)
    // one.
    options.setBinary(CHROMIUM.toFile());
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(new File("target/chromedriver.log"))
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    if (driver != null) driver.quit();
    if (vertx != null) vertx.close().await();
    if (store != null) store.close();
    if (embedder != null) embedder.close();
  }

  @BeforeEach
  void openPage() {
    // Checked per test, not in @BeforeAll: Surefire/Failsafe 3.5 count a class skipped there as no
    // test run at all (and fail the build), where a skipped test is reported as skipped.
    Assumptions.assumeTrue(
        BROWSER_INSTALLED,
        "headless browser test skipped: "
            + CHROMIUM
            + " or "
            + CHROMEDRIVER
            + " is not installed (apt-get install chromium chromium-driver; .ci/run does)");
    generator.requests.clear();
    driver.get(gateway.url() + "/");
    awaitConnected();
  }

  @Test
  void streamsTheAnswerShowsTimingsAndOpensTheCitedChunk() throws Exception {
    // Every change of the answer's text, as the page's DOM sees it.
    js(
        "window.__answerStates = [];"
            + "new MutationObserver(() => {"
            + "  const a = document.querySelector('#log .turn:last-child .answer');"
            + "  if (a) window.__answerStates.push(a.textContent);"
            + "}).observe(document.getElementById('log'),"
            + "  {childList: true, subtree: true, characterData: true});");

    WebElement question = driver.findElement(By.id("question"));
    question.sendKeys("How do honey bees tell hive mates where the flowers are?");
    question.sendKeys(Keys.ENTER); // Enter sends

    WebElement turn = lastTurn();
    WebElement answer = turn.findElement(By.className("answer"));
    assertThat(answer.getDomAttribute("aria-live")).isEqualTo("polite");
    assertThat(driver.findElement(By.id("cancel")).isDisplayed()).isTrue();
    assertThat(driver.findElement(By.id("send")).isEnabled()).isFalse();
    // What a person watching would see: the answer, polled while it streams.
    Set<String> seenWhileStreaming = new LinkedHashSet<>();
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(25))
        .until(
            () -> {
              String state = turn.getDomAttribute("data-state");
              if ("streaming".equals(state)) seenWhileStreaming.add(textOf(answer));
              return !"streaming".equals(state);
            });
    assertThat(turn.getDomAttribute("data-state")).isEqualTo("done");
    String finalText = textOf(answer);
    assertThat(finalText).contains("waggle dance").containsPattern("\\[\\d+\\]");
    seenWhileStreaming.removeIf(s -> s.isEmpty() || s.equals(finalText));
    assertThat(seenWhileStreaming)
        .as("intermediate answers seen while streaming")
        .hasSizeGreaterThan(1)
        .allSatisfy(s -> assertThat(finalText).startsWith(s));
    @SuppressWarnings("unchecked")
    List<String> states = (List<String>) js("return window.__answerStates;");
    List<String> distinct = states.stream().distinct().toList();
    assertThat(distinct).as("answer texts the DOM went through").hasSizeGreaterThan(5);
    for (int i = 1; i < distinct.size(); i++) {
      assertThat(distinct.get(i)).as("the answer only grows").startsWith(distinct.get(i - 1));
    }
    assertThat(distinct.get(distinct.size() - 1)).isEqualTo(finalText);

    // Timings and asOf, once done.
    String meta = turn.findElement(By.className("meta")).getText();
    assertThat(meta)
        .matches(
            Pattern.compile(
                "retrieval \\d+ ms · first token \\d+ ms · total \\d+ ms · index as of"
                    + " \\d{4}-\\d\\d-\\d\\dT.*Z"));
    assertThat(driver.findElement(By.id("cancel")).isDisplayed()).isFalse();
    assertThat(driver.findElement(By.id("send")).isEnabled()).isTrue();

    // A citation in the answer opens its chunk.
    assertThat(driver.findElement(By.id("source")).isDisplayed()).isFalse();
    WebElement cite = answer.findElements(By.cssSelector("button.cite")).get(0);
    String n = cite.getDomAttribute("data-n");
    assertThat(cite.getText()).isEqualTo("[" + n + "]");
    cite.click();
    WebElement source = driver.findElement(By.id("source"));
    await().atMost(TIMEOUT).until(source::isDisplayed);
    String documentId = driver.findElement(By.id("source-document")).getText();
    assertThat(DOCUMENTS).containsKey(documentId);
    assertThat(driver.findElement(By.id("source-n")).getText()).isEqualTo("[" + n + "]");
    assertThat(driver.findElement(By.id("source-title")).getText())
        .isEqualTo(DOCUMENTS.get(documentId)[0]);
    assertThat(driver.findElement(By.id("source-text")).getText())
        .isEqualTo(DOCUMENTS.get(documentId)[1]);
    assertThat(cite.getDomAttribute("title")).isEqualTo("Source " + n + ": " + title(documentId));

    assertAnswerIsOnScreenshot(answer, finalText);

    // Escape closes the panel.
    new Actions(driver).sendKeys(Keys.ESCAPE).perform();
    await().atMost(TIMEOUT).until(() -> !source.isDisplayed());
  }

  @Test
  void rendersMarkupFromDocumentsAsText() {
    ask("How do bees carry pollen between flowers while they forage?");
    WebElement turn = awaitFinished();
    assertThat(turn.getDomAttribute("data-state")).isEqualTo("done");
    String answer = textOf(turn.findElement(By.className("answer")));
    assertThat(answer)
        .as("the markup is in the answer, as text")
        .contains("<script>alert('script')</script><img src=x onerror=\"alert('img')\">");

    WebElement cite =
        turn.findElements(By.cssSelector(".sources button.cite")).stream()
            .filter(b -> b.getText().contains("Pollination"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no source button for the markup document"));
    assertThat(cite.getText()).endsWith(XSS_TITLE);
    cite.click();
    await().atMost(TIMEOUT).until(() -> driver.findElement(By.id("source")).isDisplayed());
    assertThat(driver.findElement(By.id("source-title")).getText()).isEqualTo(XSS_TITLE);
    assertThat(driver.findElement(By.id("source-text")).getText()).isEqualTo(XSS_TEXT);

    assertThatThrownBy(() -> driver.switchTo().alert())
        .as("no alert")
        .isInstanceOf(NoAlertPresentException.class);
    assertThat(
            driver.findElements(
                By.cssSelector(
                    "#log img, #log script, #source img, #source script, .answer *:not(button)")))
        .as("elements injected from document text")
        .isEmpty();
    assertThat(driver.findElements(By.tagName("img"))).isEmpty();
    assertThat(driver.findElements(By.tagName("script"))).hasSize(1); // chat.js
  }

  @Test
  void cancelsAStreamingAnswerAndKeepsOneConversationPerPage() {
    String first = "What is a Kafka topic split into?";
    ask(first);
    assertThat(awaitFinished().getDomAttribute("data-state")).isEqualTo("done");

    ask("And how does the bees' dance show the direction and distance of the food?");
    WebElement turn = lastTurn();
    WebElement answer = turn.findElement(By.className("answer"));
    await().atMost(TIMEOUT).until(() -> !textOf(answer).isEmpty());
    driver.findElement(By.id("cancel")).click();
    await().atMost(TIMEOUT).until(() -> "cancelled".equals(turn.getDomAttribute("data-state")));
    assertThat(turn.findElement(By.className("meta")).getText()).isEqualTo("Cancelled.");
    assertThat(driver.findElement(By.id("cancel")).isDisplayed()).isFalse();
    assertThat(driver.findElement(By.id("send")).isEnabled()).isTrue();
    assertThat(driver.findElements(By.cssSelector("#log .turn"))).hasSize(2);

    // The follow-up carried the page's conversationId: the server remembered the first turn.
    assertThat(generator.requests).hasSize(2);
    assertThat(generator.requests.get(0).history()).isEmpty();
    assertThat(generator.requests.get(1).history())
        .extracting(Turn::question)
        .containsExactly(first);
  }

  @Test
  void showsTheLostConnectionAndReconnects() {
    int port = gateway.actualPort();
    vertx.undeploy(gateway.deploymentID()).await();
    WebElement status = driver.findElement(By.id("status"));
    await()
        .atMost(TIMEOUT)
        .until(() -> "disconnected".equals(status.getDomAttribute("data-state")));
    assertThat(status.getText()).contains("Disconnected").contains("Reconnecting in");
    assertThat(driver.findElement(By.id("send")).isEnabled()).isFalse();

    gateway = deploy(port);
    awaitConnected();
    ask("What does the waggle dance show?");
    assertThat(awaitFinished().getDomAttribute("data-state")).isEqualTo("done");
  }

  @Test
  void sendsTheApiKeyKeptForTheTab() {
    try {
      driver.findElement(By.cssSelector(".settings summary")).click();
      driver.findElement(By.id("api-key")).sendKeys("wrong-key-0123456789");
      driver.findElement(By.cssSelector("#key-form button")).click();
      // The gateway has no keys, so a wrong one is refused at the handshake: the key was sent.
      WebElement status = driver.findElement(By.id("status"));
      await()
          .atMost(TIMEOUT)
          .until(() -> "disconnected".equals(status.getDomAttribute("data-state")));
      assertThat(status.getText()).contains("API key").contains("Reconnecting in");
      assertThat(js("return sessionStorage.getItem('ragstream.apiKey');"))
          .isEqualTo("wrong-key-0123456789");

      driver.navigate().refresh();
      assertThat(driver.findElement(By.id("api-key")).getDomProperty("value"))
          .isEqualTo("wrong-key-0123456789");
      WebElement reloaded = driver.findElement(By.id("status"));
      await()
          .atMost(TIMEOUT)
          .until(() -> "disconnected".equals(reloaded.getDomAttribute("data-state")));

      driver.findElement(By.cssSelector(".settings summary")).click();
      driver.findElement(By.id("api-key")).clear();
      driver.findElement(By.cssSelector("#key-form button")).click();
      awaitConnected();
      assertThat(js("return sessionStorage.getItem('ragstream.apiKey');")).isNull();
    } finally {
      js("sessionStorage.clear();");
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  /**
   * Decodes a screenshot of the page and checks that the answer's box holds rendered text: at least
   * 2% of its pixels (and at least 300) differ clearly from the page background behind it. An empty
   * or unrendered answer box holds only its 3-pixel left border, well under 1%. As a control, the
   * same measure over a box of the same size in the empty conversation area below the answer must
   * stay under 0.5%, so the check tells text from blank on this very screenshot.
   */
  private static void assertAnswerIsOnScreenshot(WebElement answer, String text)
      throws IOException {
    js("arguments[0].scrollIntoView({block: 'nearest'});", answer);
    byte[] png = driver.getScreenshotAs(OutputType.BYTES);
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, png);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(image).as("decoded screenshot").isNotNull();

    double ratio = ((Number) js("return window.devicePixelRatio;")).doubleValue();
    // getRect is in document coordinates; the screenshot shows the viewport.
    @SuppressWarnings("unchecked")
    List<Number> scroll = (List<Number>) js("return [window.scrollX, window.scrollY];");
    Rectangle rect = answer.getRect();
    java.awt.Rectangle box =
        new java.awt.Rectangle(
                (int) Math.round((rect.getX() - scroll.get(0).doubleValue()) * ratio),
                (int) Math.round((rect.getY() - scroll.get(1).doubleValue()) * ratio),
                (int) Math.round(rect.getWidth() * ratio),
                (int) Math.round(rect.getHeight() * ratio))
            .intersection(new java.awt.Rectangle(image.getWidth(), image.getHeight()));
    assertThat(box.width).as("answer width on the screenshot").isGreaterThan(200);
    assertThat(box.height).as("answer height on the screenshot").isGreaterThan(20);

    int background = backgroundRgb(answer);
    long ink = inkPixels(image, box, background);
    double share = (double) ink / ((long) box.width * box.height);
    assertThat(ink)
        .as(
            "pixels of the answer box %s unlike the background #%06x (%.1f%%); answer '%s'; see %s",
            box, background, share * 100, text, SCREENSHOT.toAbsolutePath())
        .isGreaterThan(300);
    assertThat(share).as("share of ink in the answer box %s", box).isBetween(0.02, 0.6);

    Rectangle log = driver.findElement(By.className("conversation")).getRect();
    Rectangle meta = driver.findElement(By.cssSelector("#log .turn:last-child .meta")).getRect();
    java.awt.Rectangle blank =
        new java.awt.Rectangle(
            box.x,
            (int) Math.round((meta.getY() + meta.getHeight() + 24) * ratio),
            box.width,
            box.height);
    assertThat(blank.y + blank.height)
        .as("room for the control box below the answer")
        .isLessThan((int) Math.round((log.getY() + log.getHeight()) * ratio));
    double blankShare =
        (double) inkPixels(image, blank, background) / ((long) blank.width * blank.height);
    assertThat(blankShare).as("share of ink in the empty control box %s", blank).isLessThan(0.005);
  }

  /** Pixels of {@code box} whose colour is clearly not {@code background} (RGB distance > 60). */
  private static long inkPixels(BufferedImage image, java.awt.Rectangle box, int background) {
    long ink = 0;
    for (int y = box.y; y < box.y + box.height; y++) {
      for (int x = box.x; x < box.x + box.width; x++) {
        if (distance(image.getRGB(x, y), background) > 60) ink++;
      }
    }
    return ink;
  }

  /** The colour painted behind {@code element}: its own or its nearest painted ancestor's. */
  private static int backgroundRgb(WebElement element) {
    @SuppressWarnings("unchecked")
    List<Number> rgb =
        (List<Number>)
            js(
                "let e = arguments[0];"
                    + "while (e) {"
                    + "  const m = getComputedStyle(e).backgroundColor.match(/[\\d.]+/g);"
                    + "  if (m && (m.length < 4 || Number(m[3]) > 0)) return m.slice(0, 3).map(Number);"
                    + "  e = e.parentElement;"
                    + "}"
                    + "return [255, 255, 255];",
                element);
    return (rgb.get(0).intValue() << 16) | (rgb.get(1).intValue() << 8) | rgb.get(2).intValue();
  }

  private static int distance(int argb, int rgb) {
    return Math.abs(((argb >> 16) & 0xff) - ((rgb >> 16) & 0xff))
        + Math.abs(((argb >> 8) & 0xff) - ((rgb >> 8) & 0xff))
        + Math.abs((argb & 0xff) - (rgb & 0xff));
  }

  private static GatewayVerticle deploy(int port) {
    GatewayVerticle g =
        new GatewayVerticle(
            GatewayConfig.defaults().withPort(port),
            GatewayFeatures.defaults().withGenerator(generator),
            embedder,
            store,
            () -> true);
    vertx.deployVerticle(g).await();
    return g;
  }

  private static void awaitConnected() {
    WebElement status = driver.findElement(By.id("status"));
    try {
      await().atMost(TIMEOUT).until(() -> "connected".equals(status.getDomAttribute("data-state")));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "the page did not connect; status '"
              + status.getText()
              + "'; browser console: "
              + driver.manage().logs().get(LogType.BROWSER).getAll(),
          e);
    }
    assertThat(status.getText()).contains("Connected as anonymous").contains("tenant public");
    await().atMost(TIMEOUT).until(() -> driver.findElement(By.id("send")).isEnabled());
  }

  private static void ask(String question) {
    driver.findElement(By.id("question")).sendKeys(question);
    driver.findElement(By.id("send")).click();
  }

  private static WebElement lastTurn() {
    return driver.findElement(By.cssSelector("#log .turn:last-child"));
  }

  private static WebElement awaitFinished() {
    WebElement turn = lastTurn();
    await().atMost(TIMEOUT).until(() -> !"streaming".equals(turn.getDomAttribute("data-state")));
    return turn;
  }

  private static String textOf(WebElement element) {
    return element.getDomProperty("textContent");
  }

  private static String title(String documentId) {
    return DOCUMENTS.get(documentId)[0];
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /**
   * The extractive answerer, its tokens released one every {@code pace} as an LLM server would
   * stream them; records every request.
   */
  static final class PacedGenerator implements AnswerGenerator {
    private final Vertx vertx;
    private final Duration pace;
    private final ExtractiveAnswerer answerer = new ExtractiveAnswerer();
    final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();

    PacedGenerator(Vertx vertx, Duration pace) {
      this.vertx = vertx;
      this.pace = pace;
    }

    @Override
    public String id() {
      return "extractive-paced";
    }

    @Override
    public Generation generate(GenerationRequest request, GenerationListener listener) {
      requests.add(request);
      Context context = Vertx.currentContext();
      AtomicBoolean cancelled = new AtomicBoolean();
      List<String> tokens = new ArrayList<>();
      answerer.generate(
          request,
          new GenerationListener() {
            @Override
            public void onToken(String text) {
              tokens.add(text);
            }

            @Override
            public void onComplete() {
              release(tokens, 0, listener, cancelled, context);
            }

            @Override
            public void onError(Throwable error) {
              if (!cancelled.get()) listener.onError(error);
            }
          });
      return () -> cancelled.set(true);
    }

    private void release(
        List<String> tokens,
        int next,
        GenerationListener listener,
        AtomicBoolean cancelled,
        Context context) {
      if (cancelled.get()) return;
      if (next == tokens.size()) {
        listener.onComplete();
        return;
      }
      listener.onToken(tokens.get(next));
      vertx.setTimer(
          pace.toMillis(),
          id -> context.runOnContext(v -> release(tokens, next + 1, listener, cancelled, context)));
    }

    @Override
    public Future<String> standaloneQuery(String followUp, List<Turn> history, String model) {
      return answerer.standaloneQuery(followUp, history, model);
    }
  }
}
