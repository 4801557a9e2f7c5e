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
  /** RSS bound under the flood below (the launcher's default heap is 512 MiB). */
  private static final long RSS_BOUND_MIB = 640;

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
        long worst = healthz.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(worst < TimeUnit.SECONDS.toNanos(1), "slowest /healthz " + worst / 1e6 + " ms");
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
      byte[] req =
          ("GET /" + "y".repeat(4000) + " HTTP/1.1\r\nHost: coord\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      try (Socket s = unreadSocket(InetAddress.getLoopbackAddress(), coord.port)) {
        Thread writer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        OutputStream out = s.getOutputStream();
                        for (int i = 0; i < 4000; i++) { // 16 MiB of 404 replies, at most
                          out.write(req);
                        }
                      } catch (IOException closedByServer) {
                        // expected: the server gave up on this connection
                      }
                    });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        double closed = 0;
        while (closed < 1 && System.nanoTime() < deadline) {
          Thread.sleep(250);
          closed = coord.metric("gretun_coord_connections_closed_total{reason=\"write_timeout\"}");
        }
        assertEquals(1.0, closed, coord.logText());
        s.close();
        writer.join(5000);
      }
      assertEquals(200, get(InetAddress.getLoopbackAddress(), coord.port, "/healthz", "").status());
    }
  }
}
