package dev.gretun.core.stun;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The outcome of one Binding transaction with one server.
 *
 * @param server where the request went
 * @param status how it ended
 * @param mapped the reflexive address ({@code null} unless {@link Status#MAPPED})
 * @param detail error text for the other statuses ({@code null} when mapped)
 * @param rtt from the first transmission to the response ({@link Duration#ZERO} when none)
 * @param software the server's SOFTWARE attribute, if it sent one ({@code null} otherwise)
 */
public record StunResult(
    InetSocketAddress server,
    Status status,
    InetSocketAddress mapped,
    String detail,
    Duration rtt,
    String software) {

  /** How a transaction ended. */
  public enum Status {
    /** A success response with a (XOR-)MAPPED-ADDRESS. */
    MAPPED,
    /** An error response, or a success response without an address. */
    ERROR_RESPONSE,
    /** No response within the RFC 8489 retransmission schedule or the caller's deadline. */
    TIMEOUT,
    /** The request could not be sent (e.g. no route). */
    SEND_FAILED
  }

  public boolean ok() {
    return status == Status.MAPPED;
  }

  public Optional<InetSocketAddress> mappedAddress() {
    return Optional.ofNullable(mapped);
  }
}
