package dev.gretun.core.daemon;

/** Which data plane {@code gretun up} uses ({@code --dataplane}). */
public enum DataplaneMode {
  /** Kernel when the {@code fou} genetlink family and GRE links are available, else userspace. */
  AUTO,
  /** Kernel FOU + GRE devices (one per direct peer). */
  KERNEL,
  /** One TUN device; GRE-in-UDP encapsulated in the daemon. */
  USERSPACE
}
