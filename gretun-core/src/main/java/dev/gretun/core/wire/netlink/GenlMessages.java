package dev.gretun.core.wire.netlink;

import static dev.gretun.core.wire.netlink.Netlink.NLM_F_ACK;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_DUMP;
import static dev.gretun.core.wire.netlink.Netlink.NLM_F_REQUEST;

/** Pure generic-netlink codec: controller family lookup and the FOU commands of {@code fou.h}. */
public final class GenlMessages {
  /** IPPROTO_GRE: what a FOU port hands its payload to. */
  public static final int IPPROTO_GRE = 47;

  private GenlMessages() {}

  private static MessageWriter genl(int family, int flags, int cmd, int version) {
    return new MessageWriter(family, flags).u8(cmd).u8(version).u16(0);
  }

  /** CTRL_CMD_GETFAMILY by name, as iproute2 sends it (version 0, no ACK flag). */
  public static MessageWriter getFamily(String name) {
    return genl(Genl.GENL_ID_CTRL, NLM_F_REQUEST, Genl.CTRL_CMD_GETFAMILY, 0)
        .attrString(Genl.CTRL_ATTR_FAMILY_NAME, name);
  }

  /** The family id in a CTRL_CMD_NEWFAMILY reply. */
  public static int parseFamilyId(NlMessage m) {
    return m.attrs(Genl.GENL_HDRLEN).u16(Genl.CTRL_ATTR_FAMILY_ID);
  }

  /**
   * FOU_CMD_ADD for an IPv4 UDP port carrying GRE directly ({@code ip fou add port P ipproto 47}).
   * Attribute order follows iproute2's ipfou.c; the port is in network byte order.
   */
  public static MessageWriter fouAdd(int familyId, int port) {
    return genl(familyId, NLM_F_REQUEST | NLM_F_ACK, Genl.FOU_CMD_ADD, Genl.FOU_GENL_VERSION)
        .attrU16Be(Genl.FOU_ATTR_PORT, port)
        .attrU8(Genl.FOU_ATTR_TYPE, Genl.FOU_ENCAP_DIRECT)
        .attrU8(Genl.FOU_ATTR_AF, Netlink.AF_INET)
        .attrU8(Genl.FOU_ATTR_IPPROTO, IPPROTO_GRE);
  }

  /** FOU_CMD_DEL ({@code ip fou del port P}). */
  public static MessageWriter fouDel(int familyId, int port) {
    return genl(familyId, NLM_F_REQUEST | NLM_F_ACK, Genl.FOU_CMD_DEL, Genl.FOU_GENL_VERSION)
        .attrU16Be(Genl.FOU_ATTR_PORT, port)
        .attrU8(Genl.FOU_ATTR_AF, Netlink.AF_INET);
  }

  public static MessageWriter fouDump(int familyId) {
    return genl(familyId, NLM_F_REQUEST | NLM_F_DUMP, Genl.FOU_CMD_GET, Genl.FOU_GENL_VERSION);
  }

  public static FouPort parseFou(NlMessage m) {
    Attrs a = m.attrs(Genl.GENL_HDRLEN);
    return new FouPort(
        a.u16Be(Genl.FOU_ATTR_PORT),
        a.has(Genl.FOU_ATTR_AF) ? a.u8(Genl.FOU_ATTR_AF) : Netlink.AF_INET,
        a.has(Genl.FOU_ATTR_IPPROTO) ? a.u8(Genl.FOU_ATTR_IPPROTO) : 0,
        a.has(Genl.FOU_ATTR_TYPE) ? a.u8(Genl.FOU_ATTR_TYPE) : 0);
  }
}
