package dev.gretun.core.wire.ip;

/** A packet that does not parse; the data plane counts it and drops it. Stackless. */
public final class MalformedPacketException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedPacketException(String message) {
    super(message, null, false, false);
  }
}
