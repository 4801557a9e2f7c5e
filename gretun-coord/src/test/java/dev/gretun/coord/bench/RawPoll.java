package dev.gretun.coord.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * One long-poll on its own socket, read by a virtual thread: the fan-out measurement must not be
 * limited by the client. {@link java.net.http.HttpClient} drives every connection from one selector
 * thread, and at 10 000 parked polls that thread, not the coordinator, set the p99.
 */
final class RawPoll {
  record Response(int status, String body, long completedAt) {}

  private RawPoll() {}

  /**
   * Sends {@code head} (a complete request head, no body) and completes with the response. The
   * socket stays open, as a node's keep-alive connection does, and goes to {@code open} for the
   * caller to close after the measurement.
   */
  static CompletableFuture<Response> start(int port, String head, Queue<Socket> open) {
    CompletableFuture<Response> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              Socket s = new Socket();
              open.add(s);
              try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                f.complete(read(new BufferedInputStream(s.getInputStream(), 4096)));
              } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
              }
            });
    return f;
  }

  private static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the response head ended");
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    int length = -1;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
    return new Response(status, new String(body, StandardCharsets.UTF_8), System.nanoTime());
  }
}
