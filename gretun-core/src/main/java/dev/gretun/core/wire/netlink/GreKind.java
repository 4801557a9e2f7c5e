package dev.gretun.core.wire.netlink;

/**
 * The two GRE link kinds gretun manages: layer-3 {@code gre} and Ethernet-carrying {@code gretap}.
 */
public enum GreKind {
  GRE("gre"),
  GRETAP("gretap");

  private final String kernelName;

  GreKind(String kernelName) {
    this.kernelName = kernelName;
  }

  /** The IFLA_INFO_KIND string. */
  public String kernelName() {
    return kernelName;
  }

  /** The kind for an IFLA_INFO_KIND string, or null when it is not a GRE kind we manage. */
  public static GreKind fromKernel(String kind) {
    for (GreKind k : values()) {
      if (k.kernelName.equals(kind)) {
        return k;
      }
    }
    return null;
  }
}
