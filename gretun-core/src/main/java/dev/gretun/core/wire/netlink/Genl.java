package dev.gretun.core.wire.netlink;

/** Constants of {@code linux/genetlink.h} and {@code linux/fou.h}. */
public final class Genl {
  /** {@code GENL_ID_CTRL} = {@code NLMSG_MIN_TYPE}. */
  public static final int GENL_ID_CTRL = Netlink.NLMSG_MIN_TYPE;

  public static final int GENL_HDRLEN = 4;
  public static final int CTRL_CMD_GETFAMILY = 3;
  public static final int CTRL_ATTR_FAMILY_ID = 1;
  public static final int CTRL_ATTR_FAMILY_NAME = 2;

  public static final String FOU_GENL_NAME = "fou";
  public static final int FOU_GENL_VERSION = 1;
  public static final int FOU_CMD_ADD = 1;
  public static final int FOU_CMD_DEL = 2;
  public static final int FOU_CMD_GET = 3;
  public static final int FOU_ATTR_PORT = 1;
  public static final int FOU_ATTR_AF = 2;
  public static final int FOU_ATTR_IPPROTO = 3;
  public static final int FOU_ATTR_TYPE = 4;
  public static final int FOU_ENCAP_DIRECT = 1;
  public static final int FOU_ENCAP_GUE = 2;

  private Genl() {}
}
