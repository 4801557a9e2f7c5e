package dev.gretun.core.tunnel;

/**
 * JSON of {@code gretun delete}: the removed tunnel; the FOU port removed with it (null if none);
 * the tunnel that took over responsibility for a still-shared FOU port (null if none).
 */
public record DeleteResult(String name, Integer fou_port_removed, String fou_owner_moved_to) {}
