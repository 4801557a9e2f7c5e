package dev.gretun.core.os;

import java.io.IOException;

/** The {@link TunDevice} was closed (possibly by another thread while this call waited). */
public final class TunClosedException extends IOException {
  private static final long serialVersionUID = 1L;

  public TunClosedException(String name) {
    super("TUN device " + name + " is closed");
  }
}
