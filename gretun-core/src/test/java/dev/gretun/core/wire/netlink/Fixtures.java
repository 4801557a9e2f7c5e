package dev.gretun.core.wire.netlink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Loads the iproute2 captures made by scripts/capture-netlink-fixtures.sh. */
public final class Fixtures {
  private Fixtures() {}

  public static byte[] bytes(String name) {
    String path = "/dev/gretun/core/netlink/fixtures/" + name + ".hex";
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      StringBuilder hex = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.startsWith("#")) {
          hex.append(line.replaceAll("\\s+", ""));
        }
      }
      return HexFormat.of().parseHex(hex);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ByteBuffer buffer(String name) {
    return ByteBuffer.wrap(bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The sequence number in a captured request (so our build can use the same one). */
  public static int seq(byte[] message) {
    return ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
  }
}
