package dev.gretun.core.netcheck;

import dev.gretun.core.netcheck.NatReport.Filtering;
import dev.gretun.core.netcheck.NatReport.Mapping;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/** Observations in, a verdict out; pure. The rules are in docs/CLI.md ("gretun netcheck"). */
public final class NatClassifier {
  private NatClassifier() {}

  public static NatReport classify(Observations o) {
    Set<InetSocketAddress> mapped = new LinkedHashSet<>();
    // Distinct server addresses: the same server asked twice says nothing about the mapping.
    Set<InetSocketAddress> answeredBy = new LinkedHashSet<>();
    boolean preserved = true;
    for (var s : o.servers()) {
      if (s.answered()) {
        answeredBy.add(s.server());
        mapped.add(s.mapped());
        preserved &= s.mapped().getPort() == o.localPort();
      }
    }
    var endpoints = new ArrayList<>(mapped);
    int answered = answeredBy.size();
    if (answered == 0) {
      return new NatReport(
          false,
          Mapping.UNKNOWN,
          null,
          Filtering.UNKNOWN,
          o.hairpin(),
          endpoints,
          NatType.UNKNOWN,
          "no STUN server answered: UDP is blocked or the servers are down; only a relay can"
              + " connect this node");
    }
    Boolean portPreserved = o.localPort() == 0 ? null : preserved;
    Mapping mapping =
        answered < 2
            ? Mapping.UNKNOWN
            : mapped.size() == 1 ? Mapping.ENDPOINT_INDEPENDENT : Mapping.ENDPOINT_DEPENDENT;
    Filtering filtering = filtering(o.changePortReply(), o.changeAddressReply());
    NatType type = type(mapping, filtering);
    return new NatReport(
        true,
        mapping,
        portPreserved,
        filtering,
        o.hairpin(),
        endpoints,
        type,
        verdict(type, mapping));
  }

  static Filtering filtering(Boolean changePort, Boolean changeAddress) {
    if (Boolean.TRUE.equals(changeAddress)) {
      return Filtering.ENDPOINT_INDEPENDENT;
    }
    if (changePort == null) {
      return Filtering.UNKNOWN;
    }
    if (!changePort) {
      return Filtering.ADDRESS_AND_PORT_DEPENDENT;
    }
    return changeAddress == null ? Filtering.NOT_PORT_DEPENDENT : Filtering.ADDRESS_DEPENDENT;
  }

  static NatType type(Mapping mapping, Filtering filtering) {
    return switch (mapping) {
      case UNKNOWN -> NatType.UNKNOWN;
      case ENDPOINT_DEPENDENT -> NatType.HARD;
      case ENDPOINT_INDEPENDENT ->
          switch (filtering) {
            case ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, NOT_PORT_DEPENDENT -> NatType.CONE;
            case ADDRESS_AND_PORT_DEPENDENT, UNKNOWN -> NatType.EASY;
          };
    };
  }

  private static String verdict(NatType type, Mapping mapping) {
    return switch (type) {
      case CONE ->
          "easy NAT (cone): the same public port towards everyone, and new ports of a contacted"
              + " host get in; direct with every kind of peer NAT";
      case EASY ->
          "easy NAT: the same public port towards everyone; direct with easy and cone peers, a"
              + " hard peer needs the relay";
      case HARD ->
          "hard NAT: a different public port per destination; direct needs the other side to be"
              + " a cone NAT; relay otherwise";
      case UNKNOWN ->
          mapping == Mapping.UNKNOWN
              ? "unknown: only one STUN server address answered, so the mapping cannot be"
                  + " compared"
              : "unknown";
    };
  }
}
