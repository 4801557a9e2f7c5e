package dev.gretun.coord.store;

import java.time.Instant;

/** A pre-auth (join) key as stored: the secret itself is kept only as a SHA-256 hash. */
public record JoinKeyRecord(
    String id,
    boolean reusable,
    Instant createdAt,
    Instant expiresAt,
    Instant revokedAt,
    int uses,
    Instant lastUsedAt) {

  /** "valid", "revoked", "expired" or "used" (a one-shot key that registered a node). */
  public String status(Instant now) {
    if (revokedAt != null) {
      return "revoked";
    }
    if (expiresAt != null && !now.isBefore(expiresAt)) {
      return "expired";
    }
    if (!reusable && uses > 0) {
      return "used";
    }
    return "valid";
  }
}
