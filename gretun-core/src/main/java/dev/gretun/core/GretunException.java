package dev.gretun.core;

/**
 * An expected runtime failure with a message that tells the operator what to do. The CLI prints its
 * message (no stack trace) and exits 1.
 */
public class GretunException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public GretunException(String code, String message) {
    super(message);
    this.code = code;
  }

  public GretunException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Stable machine-readable error code, e.g. {@code "permission"} or {@code "not_found"}. */
  public String code() {
    return code;
  }
}
