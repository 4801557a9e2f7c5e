package dev.gretun.coord;

import dev.gretun.core.GretunException;

/**
 * A request the coordinator refuses: HTTP status (always 4xx for bad input) plus a stable wire
 * code. Thrown by the store and the handlers, turned into {@code {"error","code"}} by the HTTP
 * layer.
 */
public final class CoordRejection extends GretunException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public CoordRejection(int status, String code, String message) {
    super(code, message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static CoordRejection badRequest(String message) {
    return new CoordRejection(400, "bad_request", message);
  }
}
