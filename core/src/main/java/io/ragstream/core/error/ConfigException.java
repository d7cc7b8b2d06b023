package io.ragstream.core.error;

/** A configuration value is missing or invalid; the message names the key and the bad value. */
public class ConfigException extends RagstreamException {
  private final String key;

  public ConfigException(String key, String message) {
    super("config " + key + ": " + message);
    this.key = key;
  }

  /** The dotted config key that is wrong, e.g. {@code gateway.port}. */
  public String key() {
    return key;
  }
}
