package dev.gretun.coord.tls;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code -----BEGIN LABEL----- ... -----END LABEL-----} block of a PEM file (RFC 7468). */
record PemBlock(String label, byte[] der) {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  /**
   * Every block of {@code text}, in order. Text between blocks is ignored (as OpenSSL does).
   *
   * @throws IllegalArgumentException when a block carries headers (an encrypted legacy key) or is
   *     not base64
   */
  static List<PemBlock> parse(String text) {
    List<PemBlock> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String label = m.group(1);
      String body = m.group(2);
      if (body.contains(":")) {
        throw new IllegalArgumentException(
            "the " + label + " block has headers (encrypted?); give an unencrypted PEM file");
      }
      try {
        out.add(new PemBlock(label, Base64.getMimeDecoder().decode(body.strip())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + label + " block is not valid base64");
      }
    }
    return out;
  }
}
