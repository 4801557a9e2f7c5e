package dev.gretun.coord.cli;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.NodeRecord;
import dev.gretun.core.GretunException;
import dev.gretun.core.coord.CoordWire.Endpoint;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code gretun-coord nodes}: list and remove registered nodes. */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "List or remove registered nodes (works while the server runs).",
    subcommands = {NodesCommand.ListNodes.class, NodesCommand.Remove.class})
public final class NodesCommand implements Callable<Integer> {
  @Mixin CoordOptions options;

  @Override
  public Integer call() {
    throw new picocli.CommandLine.ParameterException(
        new picocli.CommandLine(this), "choose a subcommand: list or remove");
  }

  /** JSON view of a node. */
  public record NodeView(
      String name,
      String tunnelIp,
      String nodeKey,
      String discoKey,
      List<Endpoint> endpoints,
      String createdAt,
      String updatedAt,
      String joinKeyId) {
    static NodeView of(NodeRecord n) {
      return new NodeView(
          n.name(),
          n.tunnelIpText(),
          n.nodeKey(),
          n.discoKey(),
          n.endpoints(),
          AdminJson.time(n.createdAt()),
          AdminJson.time(n.updatedAt()),
          n.joinKeyId());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List nodes.")
  static final class ListNodes implements Callable<Integer> {
    @Mixin CoordOptions options;

    @Override
    public Integer call() {
      try (CoordStore store = options.openStore()) {
        List<NodeView> views = store.nodes().stream().map(NodeView::of).toList();
        PrintWriter out = options.out();
        if (options.json()) {
          options.printJson(views);
          return 0;
        }
        out.printf("%-20s  %-15s  %-44s  %s%n", "NAME", "TUNNEL IP", "NODE KEY", "ENDPOINTS");
        for (NodeView v : views) {
          out.printf(
              "%-20s  %-15s  %-44s  %s%n",
              v.name(),
              v.tunnelIp(),
              v.nodeKey(),
              v.endpoints().stream().map(Endpoint::addr).toList());
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a node; its tunnel IP is freed and peers are told.")
  static final class Remove implements Callable<Integer> {
    @Mixin CoordOptions options;

    @Parameters(paramLabel = "NODE", description = "Node key, name or tunnel IP.")
    String selector;

    @Override
    public Integer call() {
      NodeRecord removed;
      try (CoordStore store = options.openStore()) {
        removed =
            store
                .removeNode(selector)
                .orElseThrow(
                    () ->
                        new GretunException(
                            "not_found", "no node matches '" + selector + "' (see 'nodes list')"));
      }
      if (options.json()) {
        options.printJson(NodeView.of(removed));
      } else {
        options
            .out()
            .println("removed node " + removed.name() + " (" + removed.tunnelIpText() + ")");
        options.out().flush();
      }
      return 0;
    }
  }
}
