package dev.gretun.coord.cli;

import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.JoinKeyRecord;
import dev.gretun.core.GretunException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gretun-coord keys}: join (pre-auth) keys that let new nodes register. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Manage join keys (works while the server runs).",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Callable<Integer> {
  @Mixin CoordOptions options;

  @Override
  public Integer call() {
    throw new picocli.CommandLine.ParameterException(
        new picocli.CommandLine(this), "choose a subcommand: create, list or revoke");
  }

  /** JSON view of a key (no secret). */
  public record KeyView(
      String id,
      String status,
      boolean reusable,
      int uses,
      String createdAt,
      String expiresAt,
      String revokedAt,
      String lastUsedAt) {
    static KeyView of(JoinKeyRecord k, Instant now) {
      return new KeyView(
          k.id(),
          k.status(now),
          k.reusable(),
          k.uses(),
          AdminJson.time(k.createdAt()),
          AdminJson.time(k.expiresAt()),
          AdminJson.time(k.revokedAt()),
          AdminJson.time(k.lastUsedAt()));
    }
  }

  /** JSON reply of {@code keys create}: the only time the secret is shown. */
  public record Created(String id, String key, boolean reusable, String expiresAt) {}

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a join key.")
  static final class Create implements Callable<Integer> {
    @Mixin CoordOptions options;

    @Option(names = "--reusable", description = "Allow many registrations (default: one).")
    boolean reusable;

    @Option(
        names = "--expires",
        paramLabel = "DURATION",
        converter = CliValues.DurationConverter.class,
        description = "Expire after this long, e.g. 1h, 7d (default: never).")
    Duration expires;

    @Override
    public Integer call() {
      Instant now = Instant.now();
      try (CoordStore store = options.openOrCreateStore()) {
        var issued = store.createJoinKey(reusable, expires == null ? null : now.plus(expires), now);
        PrintWriter out = options.out();
        if (options.json()) {
          options.printJson(
              new Created(
                  issued.key().id(),
                  issued.secret(),
                  reusable,
                  AdminJson.time(issued.key().expiresAt())));
        } else {
          out.println(issued.secret());
          out.printf(
              "join key %s: %s, %s. It is shown only once; give it to the node.%n",
              issued.key().id(),
              reusable ? "reusable" : "single use",
              issued.key().expiresAt() == null
                  ? "never expires"
                  : "expires " + issued.key().expiresAt());
          out.flush();
        }
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List join keys.")
  static final class ListKeys implements Callable<Integer> {
    @Mixin CoordOptions options;

    @Override
    public Integer call() {
      Instant now = Instant.now();
      try (CoordStore store = options.openStore()) {
        List<KeyView> views = store.joinKeys().stream().map(k -> KeyView.of(k, now)).toList();
        PrintWriter out = options.out();
        if (options.json()) {
          options.printJson(views);
          return 0;
        }
        out.printf(
            "%-8s  %-7s  %-8s  %4s  %-20s  %s%n",
            "ID", "STATUS", "REUSABLE", "USES", "CREATED", "EXPIRES");
        for (KeyView v : views) {
          out.printf(
              "%-8s  %-7s  %-8s  %4d  %-20s  %s%n",
              v.id(),
              v.status(),
              v.reusable() ? "yes" : "no",
              v.uses(),
              v.createdAt().substring(0, 19) + "Z",
              v.expiresAt() == null ? "never" : v.expiresAt());
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a join key.")
  static final class Revoke implements Callable<Integer> {
    @Mixin CoordOptions options;

    @Parameters(paramLabel = "ID", description = "Key id as shown by 'keys list'.")
    String id;

    @Override
    public Integer call() {
      try (CoordStore store = options.openStore()) {
        if (!store.revokeJoinKey(id, Instant.now())) {
          throw new GretunException(
              "not_found", "no join key with id " + id + " (see 'keys list')");
        }
      }
      if (options.json()) {
        options.printJson(java.util.Map.of("id", id, "revoked", true));
      } else {
        options.out().println("revoked join key " + id);
        options.out().flush();
      }
      return 0;
    }
  }
}
