package dev.gretun.e2e.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.e2e.Launchers;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the data-plane attack tests do inside the lab: run {@link GreForge} in a namespace, count
 * what the victim's TUN device delivered (nft counters in its namespace, hooked before routing so
 * nothing else can drop the packet first), and read the victim's drop counters from its metrics.
 */
final class AttackerTools {
  static final String METRICS = "127.0.0.1:9464";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Lab lab;

  AttackerTools(Lab lab) {
    this.lab = lab;
  }

  /** Runs {@link GreForge} inside {@code node} to completion (at most 60 s); returns its stdout. */
  String forge(String node, String... args) throws Exception {
    LabProcess p = start(node, args);
    int exit = p.waitFor(Duration.ofSeconds(60));
    if (exit != 0) {
      throw new AssertionError("GreForge " + String.join(" ", args) + " failed\n" + p.report());
    }
    return p.stdout().strip();
  }

  /** Starts {@link GreForge} in the background (for sniffing while traffic flows). */
  LabProcess start(String node, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                classes() + ":" + Launchers.jarDir().resolve("gretun.jar"),
                GreForge.class.getName()));
    cmd.addAll(Arrays.asList(args));
    return lab.start(node, "forge-" + args[0], cmd);
  }

  private static String classes() throws Exception {
    return Path.of(GreForge.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
  }

  /**
   * nft counters in {@code node}'s namespace for UDP arriving from the TUN device {@code tun}, one
   * per destination port: {@code name=port}.
   */
  void countTunDeliveries(String node, String tun, String... namePorts) throws Exception {
    // The lab outlives a test: start from an empty table (create-then-delete never fails).
    StringBuilder rules =
        new StringBuilder("table ip gtrust {}\ndelete table ip gtrust\ntable ip gtrust {\n");
    for (String np : namePorts) {
      rules.append("  counter ").append(np.split("=")[0]).append(" {}\n");
    }
    rules.append("  chain pre {\n    type filter hook prerouting priority -400; policy accept;\n");
    for (String np : namePorts) {
      String[] kv = np.split("=");
      rules
          .append("    iifname \"")
          .append(tun)
          .append("\" udp dport ")
          .append(kv[1])
          .append(" counter name \"")
          .append(kv[0])
          .append("\"\n");
    }
    rules.append("  }\n}\n");
    Launchers.Result r =
        lab.exec(node, "sh", "-c", "printf '%s' \"$0\" | nft -f -", rules.toString());
    if (r.exit() != 0) {
      throw new AssertionError("nft: " + r.stderr() + "\n" + rules);
    }
  }

  /** Packets the named counter saw. */
  long delivered(String node, String counter) throws Exception {
    Launchers.Result r = lab.exec(node, "nft", "-j", "list", "counter", "ip", "gtrust", counter);
    if (r.exit() != 0) {
      throw new AssertionError("nft list counter: " + r.stderr());
    }
    for (JsonNode n : JSON.readTree(r.stdout()).path("nftables")) {
      if (n.has("counter")) {
        return n.path("counter").path("packets").asLong();
      }
    }
    throw new AssertionError("no counter in " + r.stdout());
  }

  /** {@code gretun_dataplane_drops_total{reason=REASON}} of the daemon in {@code node}. */
  long drops(String node, String reason) throws Exception {
    Launchers.Result r = lab.exec(node, "curl", "-sf", "http://" + METRICS + "/metrics");
    if (r.exit() != 0) {
      throw new AssertionError("metrics of " + node + ": exit " + r.exit() + " " + r.stderr());
    }
    Matcher m =
        Pattern.compile(
                "^gretun_dataplane_drops_total\\{reason=\"" + reason + "\",?\\} ([0-9.eE+]+)$",
                Pattern.MULTILINE)
            .matcher(r.stdout());
    if (!m.find()) {
      throw new AssertionError("no drops counter " + reason + " in\n" + r.stdout());
    }
    return (long) Double.parseDouble(m.group(1));
  }

  /**
   * The pair key as gretun derived it before issue #13 — from the two PUBLIC disco keys, which the
   * coordinator hands to every member: SHA-256("gretun-gre-key-v1" ‖ lo ‖ hi), first non-zero 4
   * bytes. This is the attacker's knowledge, not a call into the code under test.
   */
  static int keyFromPublicKeys(String discoA, String discoB) throws Exception {
    byte[] a = Base64.getDecoder().decode(discoA);
    byte[] b = Base64.getDecoder().decode(discoB);
    boolean aFirst = Arrays.compareUnsigned(a, b) <= 0;
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update("gretun-gre-key-v1".getBytes(StandardCharsets.US_ASCII));
    sha.update(aFirst ? a : b);
    sha.update(aFirst ? b : a);
    byte[] h = sha.digest();
    for (int i = 0; i + 4 <= h.length; i += 4) {
      int key =
          ((h[i] & 0xFF) << 24)
              | ((h[i + 1] & 0xFF) << 16)
              | ((h[i + 2] & 0xFF) << 8)
              | (h[i + 3] & 0xFF);
      if (key != 0) {
        return key;
      }
    }
    return 1;
  }
}
