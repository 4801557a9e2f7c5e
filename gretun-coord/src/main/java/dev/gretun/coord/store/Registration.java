package dev.gretun.coord.store;

import java.time.Instant;

/**
 * A register request the HTTP layer has already authenticated: the node proved possession of {@code
 * nodeKey}. {@code joinKey} may be null; it is checked only for new nodes and only when {@code
 * requireJoinKey}. {@code signedAt} is the request's signed timestamp (Unix seconds), kept as the
 * node's replay floor.
 */
public record Registration(
    String nodeKey,
    String discoKey,
    String name,
    String joinKey,
    boolean requireJoinKey,
    IpPool pool,
    Instant now,
    long signedAt) {}
