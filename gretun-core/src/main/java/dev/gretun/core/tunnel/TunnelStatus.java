package dev.gretun.core.tunnel;

import java.util.List;

/**
 * One GRE tunnel as {@code gretun list/status --json} prints it (field names are the stable JSON
 * keys, documented in docs/CLI.md). Absent values are JSON null.
 */
public record TunnelStatus(
    String name,
    String kind,
    String local_ip,
    String remote_ip,
    Long key,
    int ttl,
    boolean pmtudisc,
    String encap,
    Integer encap_sport,
    Integer encap_dport,
    Boolean encap_csum,
    Integer fou_port,
    boolean managed,
    int mtu,
    boolean up,
    String oper_state,
    List<String> addresses,
    long rx_packets,
    long rx_bytes,
    long tx_packets,
    long tx_bytes,
    long rx_errors,
    long tx_errors,
    long rx_dropped,
    long tx_dropped) {}
