package dev.gretun.cmd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.GretunException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Error handling shared by {@code gretun} and {@code gretun-coord}: usage errors exit 2 with a
 * one-line message and a hint (not a usage dump); expected runtime failures ({@link
 * GretunException}) exit 1 with their message and no stack trace; with {@code --json} the error is
 * also printed on stdout as {@code {"error": "...", "code": "..."}}.
 */
public final class CliSupport {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  /** Made on first use (a JSON error): every command starts through here, most never need it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private CliSupport() {}

  // Why the two factories below go through a variable of type Object: picocli's classes are too
  // old (class file version 49) for Java's AOT cache, and a cached class whose bytecode needs the
  // verifier to know that a picocli type is a Throwable (a throw) or is a picocli interface (an
  // argument) keeps that check for every start, which loads those picocli classes from the jar
  // even for `gretun version` (docs/BENCH.md "Nothing from the jar"). A cast from Object is checked
  // only when it runs.

  /** A usage error of {@code cl} (exit 2, message and hint): {@code throw usageError(...)}. */
  public static RuntimeException usageError(CommandLine cl, String message) {
    Object error = new ParameterException(cl, message);
    return (RuntimeException) error;
  }

  /** The default-value provider that reads a command's config file ({@link ConfigFileDefaults}). */
  public static IDefaultValueProvider configFileDefaults(Path defaultPath, Set<String> notInFile) {
    Object defaults = new ConfigFileDefaults(defaultPath, notInFile);
    return (IDefaultValueProvider) defaults;
  }

  public static CommandLine configure(CommandLine cl) {
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(CliSupport::onUsageError);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> onFailure(ex, commandLine, parseResult.originalArgs()));
    return cl;
  }

  private static int onUsageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    err.println(name + ": " + ex.getMessage());
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Try '" + name + " --help' for usage.");
    err.flush();
    if (wantsJson(args)) {
      printJsonError(cmd.getOut(), ex.getMessage(), "usage");
    }
    return EXIT_USAGE;
  }

  private static int onFailure(Exception ex, CommandLine cmd, java.util.List<String> args) {
    PrintWriter err = cmd.getErr();
    String root = cmd.getCommandSpec().root().name();
    boolean verbose = args.contains("--verbose") || args.contains("-v");
    String code;
    String message;
    if (ex instanceof GretunException ge) {
      code = ge.code();
      message = ge.getMessage();
      err.println(root + ": error: " + message);
      if (verbose && ge.getCause() != null) {
        ge.getCause().printStackTrace(err);
      }
    } else {
      code = "internal";
      message = ex.toString();
      err.println(root + ": internal error: " + message);
      if (verbose) {
        ex.printStackTrace(err);
      } else {
        err.println("(run with --verbose for the stack trace)");
      }
    }
    err.flush();
    if (args.contains("--json")) {
      printJsonError(cmd.getOut(), message, code);
    }
    return EXIT_FAILURE;
  }

  private static boolean wantsJson(String[] args) {
    for (String a : args) {
      if (a.equals("--json")) {
        return true;
      }
    }
    return false;
  }

  private static void printJsonError(PrintWriter out, String message, String code) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("code", code);
    try {
      out.println(Json.MAPPER.writeValueAsString(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }
}
