package dev.gretun.core.dataplane;

import java.net.InetSocketAddress;

/** A disco or STUN datagram received on port P, copied off the packet path for the daemon. */
public record DiscoStunPacket(byte[] data, InetSocketAddress from) {}
