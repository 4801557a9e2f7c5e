package dev.gretun.e2e.coordload;

import static dev.gretun.e2e.coordload.CoordProcess.connect;
import static dev.gretun.e2e.coordload.CoordProcess.get;
import static dev.gretun.e2e.coordload.CoordProcess.loopback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that pipeline requests and never read the replies: the coordinator queues only a few per
 * connection, stops reading the rest, answers an over-long pipeline with a JSON 429 and closes a
 * connection whose reply does not drain.
 */
class PipelineFloodTest {
  /**
   * RSS bound under the flood below (the launcher caps the heap at 512 MiB; measured peak ~250
   * MiB).
   */
  private static final long RSS_BOUND_MIB = 400;

  @TempDir Path dir;

  /** A request with a long path (so a ~4 KiB 404 reply) and a 60 KiB body. */
  private static byte[] heavyRequest() {
    String head =
        "POST /"
            + "x".repeat(3900)
            + " HTTP/1.1\r\nHost: coord\r\nContent-Type: application/json\r\nContent-Length: "
            + 60 * 1024
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] req = new byte[h.length + 60 * 1024];
    System.arraycopy(h, 0, req, 0, h.length);
    java.util.Arrays.fill(req, h.length, req.length, (byte) ' ');
    return req;
  }

  private static Socket unreadSocket(InetAddress from, int port) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096); // replies pile up on the server, as with a client that stalls
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
    return s;
  }

  @Test
  void floodOfUnreadPipelinedRequestsKeepsRssBoundedAndHealthzAnswers() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir)) {
      long baseline = coord.rssKiB() / 1024;
      byte[] req = heavyRequest();
      List<Socket> sockets = new ArrayList<>();
      List<Thread> writers = new ArrayList<>();
      long peak = 0;
      try {
        // 40 connections x 200 pipelined 64 KiB requests (500 MiB offered), replies never read.
        for (int c = 0; c < 40; c++) {
          Socket s = unreadSocket(InetAddress.getLoopbackAddress(), coord.port);
          sockets.add(s);
          writers.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        try {
                          OutputStream out = s.getOutputStream();
                          for (int i = 0; i < 200; i++) {
                            out.write(req);
                          }
                        } catch (IOException closed) {
                          // the server stopped reading and the test closed the socket, or the
                          // write timeout closed it
                        }
                      }));
        }
        List<Long> healthz = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          Thread.sleep(500);
          peak = Math.max(peak, coord.rssKiB() / 1024);
          long t0 = System.nanoTime();
          assertEquals(200, get(loopback(2), coord.port, "/healthz", "").status());
          healthz.add(System.nanoTime() - t0);
        }
        assertTrue(
            peak < RSS_BOUND_MIB,
            "RSS " + peak + " MiB (baseline " + baseline + " MiB) over " + RSS_BOUND_MIB);
        // Every probe is answered; the median is fast (the first one may wait while the cold
        // JVM takes in the burst).
        long[] sorted = healthz.stream().mapToLong(Long::longValue).sorted().toArray();
        assertTrue(
            sorted[sorted.length / 2] < TimeUnit.MILLISECONDS.toNanos(100),
            "median /healthz of " + healthz.stream().map(n -> n / 1_000_000).toList() + " ms");
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
        for (Thread t : writers) {
          t.join(5000);
        }
      }
      System.out.printf("pipelining flood: RSS baseline %d MiB, peak %d MiB%n", baseline, peak);
    }
  }

  @Test
  void tooManyPipelinedRequestsGetAJson429NotASilentDrop() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir)) {
      StringBuilder burst = new StringBuilder();
      for (int i = 0; i < 129; i++) {
        burst.append("GET /healthz HTTP/1.1\r\nHost: coord\r\n\r\n");
      }
      try (Socket s = connect(InetAddress.getLoopbackAddress(), coord.port)) {
        s.getOutputStream().write(burst.toString().getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        List<CoordProcess.Reply> replies = new ArrayList<>();
        CoordProcess.Reply r;
        while ((r = CoordProcess.read(in)) != null) {
          replies.add(r);
        }
        assertTrue(replies.size() >= 2 && replies.size() < 129, "replies: " + replies.size());
        for (CoordProcess.Reply ok : replies.subList(0, replies.size() - 1)) {
          assertEquals(200, ok.status(), ok.headers());
        }
        CoordProcess.Reply last = replies.getLast();
        assertEquals(429, last.status(), last.headers());
        assertTrue(last.body().contains("\"code\":\"too_many_pipelined\""), last.body());
        assertTrue(last.headers().toLowerCase().contains("connection: close"), last.headers());
      }
      assertEquals(
          1.0, coord.metric("gretun_coord_connections_closed_total{reason=\"pipeline_overflow\"}"));
    }
  }

  @Test
  void aReplyThatDoesNotDrainClosesTheConnectionAtTheWriteTimeout() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir, "--write-timeout", "2s")) {
      // ~4 KiB 404 replies, one request at a time (the next only once the server answered the
      // previous, so none waits in the queue) until the socket buffers are full and a reply
      // cannot be written; then the write timeout must close the connection.
      byte[] req =
          ("GET /" + "y".repeat(4000) + " HTTP/1.1\r\nHost: coord\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      String answered = "gretun_coord_requests_total{route=\"other\",status=\"404\"}";
      try (Socket s = unreadSocket(InetAddress.getLoopbackAddress(), coord.port)) {
        OutputStream out = s.getOutputStream();
        double before = Math.max(0, coord.metric(answered));
        int sent = 0;
        boolean stalled = false;
        while (!stalled && sent < 2000) { // 8 MiB of replies at most; the buffers hold less
          out.write(req);
          sent++;
          long stepDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
          while (coord.metric(answered) - before < sent) {
            if (System.nanoTime() > stepDeadline) {
              stalled = true; // the previous reply is stuck: this request waits behind it
              break;
            }
          }
        }
        assertTrue(stalled, "8 MiB of replies never filled the socket buffers");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double closed = 0;
        while (closed < 1 && System.nanoTime() < deadline) {
          Thread.sleep(100);
          closed = coord.metric("gretun_coord_connections_closed_total{reason=\"write_timeout\"}");
        }
        assertEquals(
            1.0,
            closed,
            "requests sent before the stall: "
                + sent
                + "\n"
                + CoordProcess.get(
                        InetAddress.getLoopbackAddress(), coord.metricsPort, "/metrics", "")
                    .body()
                    .lines()
                    .filter(l -> l.startsWith("gretun_coord_connections") || l.contains("404"))
                    .toList());
        assertTrue(
            coord.metric("gretun_coord_connections_open{listener=\"public\"}") <= 1.0,
            "the stuck connection must be gone");
      }
      assertEquals(200, get(InetAddress.getLoopbackAddress(), coord.port, "/healthz", "").status());
    }
  }
}
