package dev.gretun.core.coord;

import dev.gretun.core.GretunException;

/** The coordinator answered with an error: HTTP status plus the body's {@code code}. */
public final class CoordException extends GretunException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public CoordException(int status, String code, String message) {
    super(code, "coordinator: " + status + " " + code + ": " + message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  /** The coordinator does not know our node key (it lost its state or removed us). */
  public boolean unknownNode() {
    return "unknown_node".equals(code());
  }

  /** Worth retrying later (rate limit, overload, server errors). */
  public boolean transientFailure() {
    return status == 429 || status >= 500;
  }
}
