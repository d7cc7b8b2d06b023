package io.ragstream.cli.options;

import picocli.CommandLine.Option;

/** The gateway a client command talks to (picocli mixin). */
public final class GatewayOptions {
  /** Default gateway URL (DESIGN.md: the gateway on 127.0.0.1:8080). */
  public static final String DEFAULT_GATEWAY = "http://127.0.0.1:8080";

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      defaultValue = "${env:RAGSTREAM_GATEWAY_URL:-" + DEFAULT_GATEWAY + "}",
      description = "Gateway base URL (env RAGSTREAM_GATEWAY_URL). Default: ${DEFAULT-VALUE}.")
  private String gateway;

  /** The gateway base URL, e.g. {@code http://127.0.0.1:8080}. */
  public String url() {
    return gateway;
  }
}
