package io.ragstream.core.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The content hash of a document version: SHA-256 (lower-case hex, 64 characters) over what
 * determines its points — the chunker's settings id, the embedder id, the title and the body, each
 * UTF-8 encoded and followed by a zero byte (a null part contributes only the zero byte).
 *
 * <p>The indexing job stores it with every live document, to skip re-embedding when only the
 * attributes changed; {@code reconcile} recomputes it from the source row to find stale content.
 */
public final class ContentHash {
  private ContentHash() {}

  /** The hash of one document version; see the class comment for the exact bytes hashed. */
  public static String of(String chunkerSettingsId, String embedderId, String title, String body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {chunkerSettingsId, embedderId, title, body}) {
        if (part != null) {
          sha.update(part.getBytes(StandardCharsets.UTF_8));
        }
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
