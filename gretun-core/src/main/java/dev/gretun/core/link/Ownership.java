package dev.gretun.core.link;

/**
 * Ownership mark that gretun stores in a tunnel's IFLA_IFALIAS (visible as "alias" in {@code ip
 * link}): {@code gretun} for a tunnel it made, plus {@code fou_port=P} when the tunnel uses FOU
 * port P and {@code fou_owner=1} when it is the tunnel responsible for removing that port. The mark
 * lives and dies with the link in the kernel, so it cannot go stale the way a state file can (a
 * reboot or a manual {@code ip link del} removes both).
 */
public record Ownership(boolean managed, int fouPort, boolean fouOwner) {
  private static final String TAG = "gretun";

  public static final Ownership UNMANAGED = new Ownership(false, 0, false);

  public String toAlias() {
    if (fouPort == 0) {
      return TAG;
    }
    return TAG + " fou_port=" + fouPort + " fou_owner=" + (fouOwner ? 1 : 0);
  }

  public Ownership withFouOwner(boolean owner) {
    return new Ownership(managed, fouPort, owner);
  }

  /** Parses an alias; anything not starting with the gretun tag is {@link #UNMANAGED}. */
  public static Ownership parse(String alias) {
    if (alias == null) {
      return UNMANAGED;
    }
    String[] words = alias.trim().split("\\s+");
    if (words.length == 0 || !words[0].equals(TAG)) {
      return UNMANAGED;
    }
    int port = 0;
    boolean owner = false;
    for (int i = 1; i < words.length; i++) {
      String w = words[i];
      if (w.startsWith("fou_port=")) {
        try {
          port = Integer.parseInt(w.substring("fou_port=".length()));
        } catch (NumberFormatException e) {
          port = 0;
        }
      } else if (w.equals("fou_owner=1")) {
        owner = true;
      }
    }
    if (port < 1 || port > 65535) {
      return new Ownership(true, 0, false);
    }
    return new Ownership(true, port, owner);
  }
}
