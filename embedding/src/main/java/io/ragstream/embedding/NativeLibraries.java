package io.ragstream.embedding;

import java.nio.file.Path;

/**
 * Points DJL's native-library cache at the temp dir and switches DJL to offline mode, unless the
 * user configured either already.
 *
 * <p>DJL copies {@code libtokenizers.so} out of its jar into {@code ENGINE_CACHE_DIR}, by default
 * {@code ~/.djl.ai}, and would download a native library for a platform its jar lacks. Both the
 * chunker and LangChain4j's embedding models load DJL's tokenizer, so both call {@link #prepare()}
 * before touching DJL. Only these JVM system properties are set, and only when neither the
 * environment variable nor the system property of the same name (nor {@code DJL_CACHE_DIR}, {@code
 * RUST_LIBRARY_PATH}, {@code DJL_OFFLINE}) is set: {@code ENGINE_CACHE_DIR} = {@code
 * ${java.io.tmpdir}/ragstream-djl-${user.name}}, {@code ai.djl.offline} = {@code true}.
 */
final class NativeLibraries {

  static final String ENGINE_CACHE_DIR = "ENGINE_CACHE_DIR";
  static final String DJL_OFFLINE_PROPERTY = "ai.djl.offline";

  private static boolean prepared;

  private NativeLibraries() {}

  static synchronized void prepare() {
    if (prepared) {
      return;
    }
    if (unset(ENGINE_CACHE_DIR) && unset("DJL_CACHE_DIR") && unset("RUST_LIBRARY_PATH")) {
      Path dir =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "ragstream-djl-" + System.getProperty("user.name", "user"));
      System.setProperty(ENGINE_CACHE_DIR, dir.toString());
    }
    if (unset("DJL_OFFLINE") && System.getProperty(DJL_OFFLINE_PROPERTY) == null) {
      System.setProperty(DJL_OFFLINE_PROPERTY, "true");
    }
    prepared = true;
  }

  private static boolean unset(String name) {
    String env = System.getenv(name);
    String property = System.getProperty(name);
    return (env == null || env.isBlank()) && (property == null || property.isBlank());
  }
}
