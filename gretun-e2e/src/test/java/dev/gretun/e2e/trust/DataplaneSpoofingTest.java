package dev.gretun.e2e.trust;

import static dev.gretun.e2e.lab.Lab.A;
import static dev.gretun.e2e.lab.Lab.A2;
import static dev.gretun.e2e.lab.Lab.B;
import static dev.gretun.e2e.lab.Lab.INET;
import static dev.gretun.e2e.lab.Lab.NAT1;
import static dev.gretun.e2e.lab.Lab.NAT2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gretun.e2e.lab.Lab;
import dev.gretun.e2e.lab.LabExtension;
import dev.gretun.e2e.lab.LabProcess;
import dev.gretun.e2e.lab.NatMode;
import dev.gretun.e2e.overlay.Overlay;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #13, data plane, attacks 1 and 2 against the userspace plane in the netns lab: three
 * members a, a2 (both behind nat1) and b (behind nat2) run {@code gretun up}; the attacker's
 * packets are crafted by {@link GreForge}; what b's TUN device delivers is counted by nft in b's
 * namespace, what b's data plane dropped by its metrics. Each attack sends {@link #COUNT} packets.
 */
@ExtendWith(LabExtension.class)
class DataplaneSpoofingTest {
  private static final Duration CONNECT = Duration.ofSeconds(90);
  private static final int COUNT = 100;
  private static final String TUN = "gretun0";

  /** Who is who, as the members see it. */
  private record Members(
      String aIp,
      String a2Ip,
      String bIp,
      String aDisco,
      String bDisco,
      String aEndpointAtB,
      String bEndpointAtA,
      String bEndpointAtA2) {}

  private static Members overlay(Lab lab, TestInfo info, AttackerTools tools, boolean withA2)
      throws Exception {
    lab.nat(NAT1, NatMode.PLAIN);
    lab.nat(NAT2, NatMode.PLAIN);
    lab.flush(NAT1, NAT2);
    Overlay o = new Overlay(lab, info.getTestMethod().orElseThrow().getName());
    o.startCoordinator();
    o.up(A);
    if (withA2) {
      o.up(A2);
    }
    o.up(B, "--metrics-addr", AttackerTools.METRICS);
    o.awaitState(A, B, "direct", CONNECT);
    o.awaitState(B, A, "direct", CONNECT);
    if (withA2) {
      o.awaitState(A2, B, "direct", CONNECT);
      o.awaitState(B, A2, "direct", CONNECT);
    }
    tools.countTunDeliveries(B, TUN, "spoofed=9999", "genuine=9998", "offpath=9997");
    JsonNode atB = peer(o.peers(B), A);
    JsonNode atA = peer(o.peers(A), B);
    return new Members(
        atB.path("tunnel_ip").asText(),
        withA2 ? o.tunnelIp(B, A2) : null,
        atA.path("tunnel_ip").asText(),
        atB.path("key").asText(),
        atA.path("key").asText(),
        atB.path("endpoint").asText(),
        atA.path("endpoint").asText(),
        withA2 ? peer(o.peers(A2), B).path("endpoint").asText() : null);
  }

  private static JsonNode peer(JsonNode peers, String name) {
    for (JsonNode p : peers) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no peer " + name + " in " + peers);
  }

  private static String host(String endpoint) {
    return endpoint.substring(0, endpoint.lastIndexOf(':'));
  }

  private static String port(String endpoint) {
    return endpoint.substring(endpoint.lastIndexOf(':') + 1);
  }

  /**
   * Attack 1: a2, a real member, sends keyed GRE-in-UDP from its own port 7777 to b with an inner
   * source of a's tunnel address. With the a2–b pair key (which a2 holds; learnt here from its own
   * traffic) b maps the packet to a2 and source enforcement drops it; with the a–b key (which a2
   * could compute from the public disco keys while the key was derived from them) b's key → a, but
   * the outer source is a2's endpoint, not a's, so it is dropped as wrong_source (or, once the key
   * comes from the pair's shared secret, as unknown_key). The same tool with a2's own inner source
   * is delivered: the control that the forged packets really reach b's plane.
   */
  @Test
  void aMemberCannotSendAsAnotherMember(Lab lab, TestInfo info) throws Exception {
    AttackerTools tools = new AttackerTools(lab);
    Members m = overlay(lab, info, tools, true);
    String a2Lan = lab.addr(A2);

    LabProcess sniff = tools.start(A2, "sniff-key", host(m.bEndpointAtA2()), "7777", "20");
    sniff.awaitLine("listening", Duration.ofSeconds(30));
    for (int i = 0; i < 10 && sniff.isAlive(); i++) {
      lab.exec(A2, "ping", "-c", "1", "-W", "1", m.bIp()); // b's echo replies carry the key
    }
    assertEquals(0, sniff.waitFor(Duration.ofSeconds(30)), sniff.report());
    String pairKey = sniff.awaitLine("key=", Duration.ofSeconds(1)).strip().replace("key=", "");

    long spoofedBefore = tools.drops(B, "spoofed_source");
    tools.forge(
        A2,
        "member",
        a2Lan,
        "7777",
        host(m.bEndpointAtA2()),
        port(m.bEndpointAtA2()),
        pairKey,
        m.aIp(),
        m.bIp(),
        "9999",
        Integer.toString(COUNT));
    tools.forge(
        A2,
        "member",
        a2Lan,
        "7777",
        host(m.bEndpointAtA2()),
        port(m.bEndpointAtA2()),
        pairKey,
        m.a2Ip(),
        m.bIp(),
        "9998",
        Integer.toString(COUNT));
    Thread.sleep(1000);
    assertEquals(COUNT, tools.delivered(B, "genuine"), "control: a2 speaking as itself");
    assertEquals(0, tools.delivered(B, "spoofed"), "a2 speaking as a reached b's TUN");
    long spoofed = tools.drops(B, "spoofed_source") - spoofedBefore;
    assertTrue(spoofed >= COUNT, "spoofed_source drops on b: " + spoofed);

    int abKey = AttackerTools.keyFromPublicKeys(m.aDisco(), m.bDisco());
    long otherBefore = tools.drops(B, "wrong_source") + tools.drops(B, "unknown_key");
    tools.forge(
        A2,
        "member",
        a2Lan,
        "7777",
        host(m.bEndpointAtA2()),
        port(m.bEndpointAtA2()),
        Integer.toUnsignedString(abKey),
        m.aIp(),
        m.bIp(),
        "9999",
        Integer.toString(COUNT));
    Thread.sleep(1000);
    assertEquals(0, tools.delivered(B, "spoofed"), "a2 with the a-b key reached b's TUN");
    long other = tools.drops(B, "wrong_source") + tools.drops(B, "unknown_key") - otherBefore;
    assertTrue(other >= COUNT, "wrong_source + unknown_key drops on b: " + other);
    System.out.printf(
        "attack 1: pair key a2-b %s: %d spoofed_source drops; a-b key from public keys %s:"
            + " %d wrong_source/unknown_key drops; control delivered %d%n",
        pairKey, spoofed, Integer.toUnsignedString(abKey), other, COUNT);
  }

  /**
   * Attack 2: an off-path host (the lab's internet router, which can forge any source without
   * tripping a reverse-path filter) sends to b's public endpoint from a's public ip:port, with the
   * a–b key as computed from the two public disco keys and a's tunnel address as inner source — a
   * perfect imitation of a's traffic for anyone who cannot derive the pair key. Only a key derived
   * from the pair's shared secret stops it.
   */
  @Test
  void anOffPathHostSpoofingAMembersEndpointIsDropped(Lab lab, TestInfo info) throws Exception {
    AttackerTools tools = new AttackerTools(lab);
    Members m = overlay(lab, info, tools, false);
    int abKey = AttackerTools.keyFromPublicKeys(m.aDisco(), m.bDisco());
    long before = tools.drops(B, "unknown_key");
    tools.forge(
        INET,
        "spoof",
        host(m.aEndpointAtB()),
        port(m.aEndpointAtB()),
        host(m.bEndpointAtA()),
        port(m.bEndpointAtA()),
        Integer.toUnsignedString(abKey),
        m.aIp(),
        m.bIp(),
        "9997",
        Integer.toString(COUNT));
    Thread.sleep(1000);
    long delivered = tools.delivered(B, "offpath");
    long dropped = tools.drops(B, "unknown_key") - before;
    System.out.printf(
        "attack 2: key from public keys %s, %d sent as %s -> %s: delivered %d, unknown_key %d%n",
        Integer.toUnsignedString(abKey),
        COUNT,
        m.aEndpointAtB(),
        m.bEndpointAtA(),
        delivered,
        dropped);
    assertEquals(0, delivered, "an off-path host's forgery reached b's TUN");
    assertTrue(dropped >= COUNT, "unknown_key drops on b: " + dropped);
  }
}
