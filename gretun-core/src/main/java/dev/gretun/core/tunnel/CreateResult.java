package dev.gretun.core.tunnel;

import java.util.List;

/** JSON of {@code gretun create}: the tunnel, whether its FOU port was opened now, warnings. */
public record CreateResult(TunnelStatus tunnel, boolean fou_port_created, List<String> warnings) {}
