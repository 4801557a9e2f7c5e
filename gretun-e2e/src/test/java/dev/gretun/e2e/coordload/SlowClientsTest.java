package dev.gretun.e2e.coordload;

import static dev.gretun.e2e.coordload.CoordProcess.connect;
import static dev.gretun.e2e.coordload.CoordProcess.get;
import static dev.gretun.e2e.coordload.CoordProcess.loopback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients against a real coordinator: slowloris connections are cut at the request deadline
 * while /healthz stays fast, and the per-address and total connection caps refuse at accept with a
 * JSON 503 instead of running the process out of file descriptors.
 */
class SlowClientsTest {
  private static final byte[] SLOW_REQUEST =
      ("GET /healthz HTTP/1.1\r\nHost: coord\r\n" + "X-Slow: " + "a".repeat(200) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  @Test
  void slowlorisIsCutAtTheRequestDeadlineWhileHealthzStaysFast() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir, "--request-timeout", "5s")) {
      // 200 connections, 50 from each of 127.0.0.2-5 (under the per-address cap of 64).
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        slow.add(connect(loopback(2 + i / 50), coord.port));
      }
      long start = System.nanoTime();
      ConcurrentHashMap<Integer, Long> closedAt = new ConcurrentHashMap<>();
      List<Thread> readers = new ArrayList<>();
      for (int i = 0; i < slow.size(); i++) {
        int idx = i;
        readers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try (InputStream in = slow.get(idx).getInputStream()) {
                        byte[] buf = new byte[4096];
                        while (in.read(buf) >= 0) {
                          // the 408 reply, then EOF
                        }
                      } catch (IOException e) {
                        // reset or timed out: closed (or never) either way, noted below
                      }
                      closedAt.put(idx, System.nanoTime() - start);
                    }));
      }
      // One byte per second on every connection, at most 15 s; /healthz probes meanwhile.
      List<Long> probes = new ArrayList<>();
      for (int second = 0; second < 15 && closedAt.size() < slow.size(); second++) {
        for (int i = 0; i < slow.size(); i++) {
          if (!closedAt.containsKey(i) && second < SLOW_REQUEST.length) {
            try {
              slow.get(i).getOutputStream().write(SLOW_REQUEST[second]);
            } catch (IOException closed) {
              // the server closed it; the reader notes when
            }
          }
        }
        for (int p = 0; p < 3; p++) {
          long t0 = System.nanoTime();
          assertEquals(
              200, get(InetAddress.getLoopbackAddress(), coord.port, "/healthz", "").status());
          probes.add(System.nanoTime() - t0);
          Thread.sleep(250);
        }
      }
      for (Thread t : readers) {
        t.join(TimeUnit.SECONDS.toMillis(5));
      }
      for (Socket s : slow) {
        s.close();
      }
      assertEquals(200, closedAt.size(), "every slow connection must be closed by the server");
      long earliest = closedAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
      long latest = closedAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertTrue(earliest >= TimeUnit.MILLISECONDS.toNanos(4_000), "closed before the deadline");
      assertTrue(latest <= TimeUnit.SECONDS.toNanos(9), "closed long after the 5 s deadline");
      long[] sorted = probes.stream().mapToLong(Long::longValue).sorted().toArray();
      long median = sorted[sorted.length / 2];
      assertTrue(
          median < TimeUnit.MILLISECONDS.toNanos(100),
          "median /healthz " + median / 1e6 + " ms: " + Arrays.toString(sorted));
      assertTrue(
          coord.metric("gretun_coord_connections_closed_total{reason=\"request_timeout\"}") >= 200,
          coord.logText());
    }
  }

  @Test
  void perAddressCapRefusesTheNextConnectionButNotOtherAddresses() throws Exception {
    try (CoordProcess coord = CoordProcess.start(dir)) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 64; i++) {
          held.add(connect(InetAddress.getLoopbackAddress(), coord.port));
        }
        // Accepted connections are set up on several event loops: wait until all 64 count.
        long counted = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (coord.metric("gretun_coord_connections_open{listener=\"public\"}") < 64
            && System.nanoTime() < counted) {
          Thread.sleep(20);
        }
        CoordProcess.Reply refused =
            get(InetAddress.getLoopbackAddress(), coord.port, "/healthz", "");
        assertEquals(503, refused.status(), refused.headers());
        assertTrue(refused.body().contains("\"too_many_connections\""), refused.body());
        assertEquals(200, get(loopback(2), coord.port, "/healthz", "").status());
        assertEquals(
            1.0, coord.metric("gretun_coord_connections_refused_total{reason=\"per_ip\"}"));
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      int status = 0;
      while (status != 200 && System.nanoTime() < deadline) {
        Thread.sleep(100);
        status = get(InetAddress.getLoopbackAddress(), coord.port, "/healthz", "").status();
      }
      assertEquals(200, status, "the address is admitted again once its connections closed");
    }
  }

  @Test
  void totalCapStaysBelowTheFdLimitAndRecovers() throws Exception {
    // Soft = hard = 512 open files: the derived cap is 512 - 128 = 384 connections.
    try (CoordProcess coord =
        CoordProcess.start(
            dir, List.of("prlimit", "--nofile=512:512", "--"), "--request-timeout", "4s")) {
      assertTrue(coord.logText().contains("max_connections=384"), coord.logText());
      List<Socket> held = new ArrayList<>();
      try {
        // 450 connections from 127.0.0.2-9 (under the per-address cap): 66 over the total cap.
        for (int i = 0; i < 450; i++) {
          Socket s = connect(loopback(2 + i / 57), coord.port);
          held.add(s);
          try {
            s.getOutputStream().write('G'); // a request begins, so the deadline applies
          } catch (IOException refusedAlready) {
            // closed after its 503
          }
        }
        Thread.sleep(1000);
        int refused = 0;
        for (Socket s : held) {
          if (s.getInputStream().available() > 0) {
            CoordProcess.Reply r = CoordProcess.read(s.getInputStream());
            assertEquals(503, r.status(), r.headers());
            assertTrue(r.body().contains("server connection limit"), r.body());
            refused++;
          }
        }
        assertEquals(66, refused, coord.logText());
        assertEquals(
            66.0, coord.metric("gretun_coord_connections_refused_total{reason=\"total\"}"));
        // Cap full: even /healthz is refused, but with a reply: accept never fails with EMFILE.
        assertEquals(503, get(loopback(10), coord.port, "/healthz", "").status());
        // The held connections are cut at the request deadline and the server serves again.
        Thread.sleep(4000);
        assertEquals(200, get(loopback(10), coord.port, "/healthz", "").status());
        assertTrue(!coord.logText().contains("Too many open files"), coord.logText());
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void theJvmRaisesTheSoftFdLimitToTheHardLimit() throws Exception {
    try (CoordProcess coord =
        CoordProcess.start(dir, List.of("prlimit", "--nofile=1024:4096", "--"))) {
      String limits = Files.readString(Path.of("/proc/" + coord.pid() + "/limits"));
      assertTrue(
          limits.lines().anyMatch(l -> l.matches("Max open files\\s+4096\\s+4096\\s+files\\s*")),
          limits);
      assertTrue(coord.logText().contains("max_connections=3840"), coord.logText());
    }
  }
}
