package dev.gretun.core.link;

import dev.gretun.core.os.NetlinkSocket;
import dev.gretun.core.wire.netlink.FouPort;
import dev.gretun.core.wire.netlink.Genl;
import dev.gretun.core.wire.netlink.GenlMessages;
import dev.gretun.core.wire.netlink.Netlink;
import dev.gretun.core.wire.netlink.NlMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel FOU receive ports over generic netlink. The {@code fou} family id is resolved on first
 * use; a kernel without the fou module answers that lookup with ENOENT.
 */
public final class Fou implements AutoCloseable {
  private final NetlinkClient client;
  private int familyId = -1;

  public Fou(NetlinkClient client) {
    this.client = client;
  }

  /** Opens a NETLINK_GENERIC socket in this thread's network namespace. */
  public static Fou open() {
    return new Fou(new NetlinkClient(NetlinkSocket.open(Netlink.NETLINK_GENERIC)));
  }

  /** The generic netlink id of the {@code fou} family; throws ENOENT when the kernel lacks it. */
  public int familyId() {
    if (familyId < 0) {
      familyId =
          GenlMessages.parseFamilyId(client.requestOne(GenlMessages.getFamily(Genl.FOU_GENL_NAME)));
    }
    return familyId;
  }

  /** Opens IPv4 UDP {@code port} for GRE-in-UDP. */
  public void add(int port) {
    client.ack(GenlMessages.fouAdd(familyId(), port));
  }

  public void delete(int port) {
    client.ack(GenlMessages.fouDel(familyId(), port));
  }

  public List<FouPort> list() {
    List<FouPort> out = new ArrayList<>();
    for (NlMessage m : client.dump(GenlMessages.fouDump(familyId()))) {
      out.add(GenlMessages.parseFou(m));
    }
    return out;
  }

  @Override
  public void close() {
    client.close();
  }
}
