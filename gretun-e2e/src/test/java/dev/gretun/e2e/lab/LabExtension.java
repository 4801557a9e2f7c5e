package dev.gretun.e2e.lab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 extension giving a test class one {@link Lab} (inject it as a {@code Lab} parameter).
 *
 * <p>The lab comes up before the first test (stale labs of dead JVMs are removed first) and is torn
 * down after the last one, whatever happened; the teardown then asserts that {@code ip netns list}
 * shows none of its namespaces. Processes a test starts log to {@code
 * target/lab-logs/CLASS/METHOD/}, are killed after that test, and their logs are attached to the
 * failure when it fails. Without root the class is skipped with a reason, unless {@code
 * -Dgretun.requireRoot=true}, which makes it fail instead.
 */
public final class LabExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        TestExecutionExceptionHandler,
        ParameterResolver {
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(LabExtension.class);
  private static final String KEY = "lab";
  private static final List<String> TOOLS = List.of("ip", "nft", "conntrack", "sysctl");

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    requireRootAndTools();
    context.getStore(STORE).put(KEY, Lab.up());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Lab lab = context.getStore(STORE).remove(KEY, Lab.class);
    if (lab == null) {
      return;
    }
    lab.close();
    List<String> left = Lab.namespaces(lab.prefix());
    if (!left.isEmpty()) {
      throw new AssertionError("lab namespaces left after teardown: " + left);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    Path dir =
        Path.of(
            "target",
            "lab-logs",
            context.getRequiredTestClass().getSimpleName(),
            context.getRequiredTestMethod().getName());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> old = Files.list(dir)) {
        for (Path file : old.toList()) {
          Files.delete(file); // logs of an earlier run of this test
        }
      }
    }
    lab(context).logDir(dir);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Lab lab = lab(context);
    if (context.getExecutionException().isPresent()) {
      // Also into the surefire report's output, for failures outside the test method itself.
      System.out.println(reports(lab));
    }
    lab.closeProcesses();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    String reports = reports(lab(context));
    if (!reports.isEmpty()) {
      throwable.addSuppressed(new LabLogs(reports));
    }
    throw throwable;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Lab.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return lab(context);
  }

  private static Lab lab(ExtensionContext context) {
    Lab lab = context.getStore(STORE).get(KEY, Lab.class);
    if (lab == null) {
      throw new IllegalStateException("no lab: is the class annotated with LabExtension?");
    }
    return lab;
  }

  private static String reports(Lab lab) {
    StringBuilder sb = new StringBuilder();
    lab.processes().forEach(p -> sb.append(p.report()));
    return sb.toString();
  }

  /** Skips (or, with gretun.requireRoot=true, fails) when the lab cannot run here. */
  static void requireRootAndTools() throws Exception {
    String problem = null;
    Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (!Integer.valueOf(0).equals(uid)) {
      problem = "netns lab needs root (uid is " + uid + ")";
    } else {
      for (String tool : TOOLS) {
        if (!onPath(tool)) {
          problem = "netns lab needs '" + tool + "' (make deps installs it)";
          break;
        }
      }
    }
    if (problem == null) {
      return;
    }
    if (Boolean.getBoolean("gretun.requireRoot")) {
      throw new AssertionError(problem + " and gretun.requireRoot=true");
    }
    Assumptions.abort(problem);
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Carries the logs of a failed test's lab processes into its failure report. */
  static final class LabLogs extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LabLogs(String reports) {
      super("lab process logs:\n" + reports, null, false, false);
    }
  }
}
