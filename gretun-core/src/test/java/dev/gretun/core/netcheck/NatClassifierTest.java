package dev.gretun.core.netcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.netcheck.NatReport.Filtering;
import dev.gretun.core.netcheck.NatReport.Mapping;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every branch of the classifier, from hand-made observations. */
class NatClassifierTest {
  private static final InetSocketAddress S1 = new InetSocketAddress("192.0.2.10", 3478);
  private static final InetSocketAddress S2 = new InetSocketAddress("192.0.2.10", 3479);
  private static final InetSocketAddress PUB_A = new InetSocketAddress("203.0.113.5", 40000);
  private static final InetSocketAddress PUB_B = new InetSocketAddress("203.0.113.5", 51234);

  private static Observations obs(
      int localPort,
      InetSocketAddress m1,
      InetSocketAddress m2,
      Boolean port,
      Boolean address,
      Boolean hairpin) {
    return new Observations(
        localPort,
        List.of(new Observations.Server(S1, m1), new Observations.Server(S2, m2)),
        port,
        address,
        hairpin);
  }

  @Test
  void nothingAnsweredMeansUdpBlocked() {
    NatReport r = NatClassifier.classify(obs(40000, null, null, null, null, null));
    assertFalse(r.udp());
    assertEquals(Mapping.UNKNOWN, r.mapping());
    assertEquals(NatType.UNKNOWN, r.type());
    assertNull(r.portPreserved());
    assertTrue(r.verdict().contains("relay"), r.verdict());
  }

  @Test
  void oneAnswerCannotTellMapping() {
    NatReport r = NatClassifier.classify(obs(40000, PUB_A, null, false, null, null));
    assertTrue(r.udp());
    assertEquals(Mapping.UNKNOWN, r.mapping());
    assertEquals(NatType.UNKNOWN, r.type());
    assertTrue(r.verdict().contains("one STUN server"), r.verdict());
  }

  @Test
  void theSameServerTwiceCannotTellMapping() {
    var once = new Observations.Server(S1, PUB_A);
    NatReport r =
        NatClassifier.classify(new Observations(40000, List.of(once, once), null, null, null));
    assertEquals(Mapping.UNKNOWN, r.mapping());
    assertEquals(NatType.UNKNOWN, r.type());
  }

  @Test
  void sameMappingAndPortDependentFilteringIsEasy() {
    NatReport r = NatClassifier.classify(obs(40000, PUB_A, PUB_A, false, null, false));
    assertEquals(Mapping.ENDPOINT_INDEPENDENT, r.mapping());
    assertEquals(Filtering.ADDRESS_AND_PORT_DEPENDENT, r.filtering());
    assertEquals(NatType.EASY, r.type());
    assertEquals(true, r.portPreserved());
    assertEquals(false, r.hairpin());
    assertEquals(List.of(PUB_A), r.publicEndpoints());
    assertTrue(r.verdict().startsWith("easy NAT:"), r.verdict());
  }

  @Test
  void sameMappingWithUntestedFilteringIsEasy() {
    NatReport r = NatClassifier.classify(obs(1234, PUB_A, PUB_A, null, null, null));
    assertEquals(Filtering.UNKNOWN, r.filtering());
    assertEquals(NatType.EASY, r.type());
    assertEquals(false, r.portPreserved());
  }

  @Test
  void otherPortGettingInIsCone() {
    NatReport r = NatClassifier.classify(obs(40000, PUB_A, PUB_A, true, null, true));
    assertEquals(Filtering.NOT_PORT_DEPENDENT, r.filtering());
    assertEquals(NatType.CONE, r.type());
    assertEquals(true, r.hairpin());
    assertTrue(r.verdict().startsWith("easy NAT (cone)"), r.verdict());
  }

  @Test
  void otherAddressGettingInIsEndpointIndependentFiltering() {
    NatReport r = NatClassifier.classify(obs(40000, PUB_A, PUB_A, true, true, null));
    assertEquals(Filtering.ENDPOINT_INDEPENDENT, r.filtering());
    assertEquals(NatType.CONE, r.type());
  }

  @Test
  void otherPortButNotOtherAddressIsAddressDependentFiltering() {
    NatReport r = NatClassifier.classify(obs(40000, PUB_A, PUB_A, true, false, null));
    assertEquals(Filtering.ADDRESS_DEPENDENT, r.filtering());
    assertEquals(NatType.CONE, r.type());
  }

  @Test
  void differentMappingsAreHardWhateverTheFiltering() {
    for (Boolean port : new Boolean[] {null, false, true}) {
      NatReport r = NatClassifier.classify(obs(40000, PUB_A, PUB_B, port, null, null));
      assertEquals(Mapping.ENDPOINT_DEPENDENT, r.mapping());
      assertEquals(NatType.HARD, r.type());
      assertEquals(false, r.portPreserved());
      assertEquals(List.of(PUB_A, PUB_B), r.publicEndpoints());
      assertTrue(r.verdict().startsWith("hard NAT:"), r.verdict());
      assertTrue(r.verdict().contains("relay otherwise"), r.verdict());
    }
  }

  @Test
  void wireNamesAreStrict() {
    for (NatType t : NatType.values()) {
      assertEquals(Optional.of(t), NatType.fromWire(t.wire()));
    }
    assertEquals(Optional.empty(), NatType.fromWire("HARD"));
    assertEquals(Optional.empty(), NatType.fromWire("symmetric"));
    assertEquals(Optional.empty(), NatType.fromWire(null));
  }
}
