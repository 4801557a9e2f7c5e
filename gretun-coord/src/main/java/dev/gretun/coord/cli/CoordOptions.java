package dev.gretun.coord.cli;

import dev.gretun.cmd.LogFormatOption;
import dev.gretun.cmd.Output;
import dev.gretun.coord.store.CoordStore;
import dev.gretun.coord.store.PostgresCoordStore;
import dev.gretun.coord.store.SqliteCoordStore;
import dev.gretun.coord.store.StoreLocation;
import dev.gretun.core.GretunException;
import dev.gretun.core.log.LogFormat;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * Options every {@code gretun-coord} command mixes in. A value given before a subcommand ({@code
 * gretun-coord --state-dir D keys list}) applies to it; the one given nearest to the subcommand
 * wins.
 */
public final class CoordOptions {
  private static final String JSON = "--json";
  private static final String STATE_DIR = "--state-dir";
  private static final String INIT = "--init";
  private static final String STORE = "--store";
  private static final String STORE_PASSWORD_FILE = "--store-password-file";

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = JSON, description = "JSON output.")
  boolean json;

  // Read from the raw arguments before parsing (Logging.wantsVerbose, CliSupport); declared so
  // that every command accepts it.
  @Option(
      names = {"-v", "--verbose"},
      description = "Debug logs on stderr.")
  boolean verbose;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      converter = LogFormatOption.Converter.class,
      completionCandidates = LogFormatOption.Names.class,
      description = LogFormatOption.DESCRIPTION)
  LogFormat logFormat;

  @Option(
      names = STATE_DIR,
      paramLabel = "DIR",
      defaultValue = "/var/lib/gretun-coord",
      description = "Directory of the SQLite store (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = STORE,
      paramLabel = "sqlite:DIR|postgres://USER@HOST:PORT/DB",
      description =
          "Where the store lives (default: sqlite:<--state-dir>). PostgreSQL lets several"
              + " replicas share it; its password comes from --store-password-file or $PGPASSWORD.")
  String store;

  @Option(
      names = STORE_PASSWORD_FILE,
      paramLabel = "FILE",
      description = "File whose first line is the PostgreSQL password (mode 0600).")
  Path storePasswordFile;

  @Option(
      names = INIT,
      description =
          "Admin commands: create the store in --state-dir if it does not exist (the server"
              + " and 'keys create' always do).")
  boolean init;

  public boolean json() {
    return nearest(JSON, json);
  }

  public Path stateDir() {
    StoreLocation loc = storeLocation();
    return loc instanceof StoreLocation.Sqlite sqlite
        ? sqlite.stateDir()
        : nearest(STATE_DIR, stateDir);
  }

  /** {@code --store}, defaulting to SQLite in {@code --state-dir}; usage error when malformed. */
  public StoreLocation storeLocation() {
    String text = nearest(STORE, store);
    if (text == null) {
      return new StoreLocation.Sqlite(nearest(STATE_DIR, stateDir));
    }
    try {
      return StoreLocation.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), e.getMessage());
    }
  }

  /** Opens the server's store: SQLite with {@code sync}, or PostgreSQL. */
  public CoordStore openServerStore(SqliteCoordStore.Sync sync) {
    if (storeLocation() instanceof StoreLocation.Postgres pg) {
      return PostgresCoordStore.open(
          pg, PostgresCoordStore.password(nearest(STORE_PASSWORD_FILE, storePasswordFile)));
    }
    return SqliteCoordStore.open(stateDir(), sync);
  }

  /** A description of the store for logs and messages. */
  public String storeText() {
    StoreLocation loc = storeLocation();
    return loc instanceof StoreLocation.Sqlite ? "sqlite:" + stateDir() : loc.toString();
  }

  /**
   * Opens the store in {@code --state-dir} for an admin command that reads or removes: a missing
   * store is an error (a mistyped or forgotten {@code --state-dir} would otherwise create an empty
   * store and report no keys or nodes), unless {@code --init}.
   */
  public CoordStore openStore() {
    if (storeLocation() instanceof StoreLocation.Postgres) {
      return openServerStore(SqliteCoordStore.Sync.FULL);
    }
    Path db = stateDir().resolve(SqliteCoordStore.FILE_NAME);
    if (!nearest(INIT, init) && !Files.exists(db)) {
      throw new GretunException(
          "no_store",
          "no coordinator store at "
              + db
              + "; give the server's --state-dir, or create a new store with --init");
    }
    return SqliteCoordStore.open(stateDir());
  }

  /**
   * Opens the store for {@code keys create}, the documented first step of a new coordinator: a
   * missing store is created, and stderr says where, so a wrong {@code --state-dir} is not silent.
   */
  public CoordStore openOrCreateStore() {
    if (storeLocation() instanceof StoreLocation.Postgres) {
      return openServerStore(SqliteCoordStore.Sync.FULL);
    }
    Path db = stateDir().resolve(SqliteCoordStore.FILE_NAME);
    boolean existed = Files.exists(db);
    CoordStore store = SqliteCoordStore.open(stateDir());
    if (!existed) {
      PrintWriter err = mixee.commandLine().getErr();
      err.println("note: created a new coordinator store at " + db.toAbsolutePath());
      err.flush();
    }
    return store;
  }

  /** The command's stdout. */
  public PrintWriter out() {
    return mixee.commandLine().getOut();
  }

  /** Prints {@code value} as the admin commands' JSON (snake_case, nulls left out). */
  void printJson(Object value) {
    Output.json(out(), AdminJson.WRITER, value);
  }

  /** The value matched on this command or, failing that, on the nearest parent that has it. */
  private <T> T nearest(String option, T own) {
    for (CommandSpec spec = mixee; spec != null; spec = spec.parent()) {
      ParseResult parsed = spec.commandLine().getParseResult();
      if (parsed != null && parsed.hasMatchedOption(option)) {
        return parsed.matchedOptionValue(option, own);
      }
    }
    return own;
  }
}
