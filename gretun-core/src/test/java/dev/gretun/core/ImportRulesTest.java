package dev.gretun.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependency rules of gretun-core, checked by scanning {@code src/main/java} as text (no bytecode
 * tool needed): every import, static import and fully-qualified name outside comments and string
 * literals counts as a dependency.
 *
 * <p>{@link #RULES} maps a package (it and its subpackages) to the names it must not depend on. An
 * entry ending in {@code .} forbids a whole package tree; any other entry forbids one class (and
 * its nested classes), so {@code java.net.Socket} forbids {@code Socket} but not {@code
 * SocketAddress}. Extend the table to put more packages under rules.
 *
 * <p>{@code dev.gretun.core.wire} holds pure codecs: no file, channel or socket I/O and no native
 * calls. {@code java.lang.foreign.MemorySegment} and {@code ValueLayout} are allowed there as
 * buffers (the data plane hands codecs native memory); what is forbidden is what makes a downcall
 * or owns memory: {@code Linker}, {@code SymbolLookup}, {@code FunctionDescriptor}, {@code Arena}.
 * Address values ({@code java.net.InetAddress}, {@code InetSocketAddress}) are data and allowed.
 *
 * <p>{@link #MAY_IMPORT} is the package map of docs/ARCHITECTURE.md: which gretun-core packages
 * each package may depend on (the root package, {@code BuildInfo} and {@code GretunException}, is
 * open to all). A new package must be added to it, and there are no dependency cycles.
 */
class ImportRulesTest {
  private static final Path MAIN = Path.of("src/main/java");

  /** Package (with its subpackages) → forbidden dependency prefixes or class names. */
  static final Map<String, List<String>> RULES =
      Map.of(
          // the command line and the coordinator's HTTP server live in other modules
          "dev.gretun.core",
          List.of("picocli.", "io.netty."),
          "dev.gretun.core.wire",
          List.of(
              // files and streams on files
              "java.io.File",
              "java.io.FileDescriptor",
              "java.io.FileInputStream",
              "java.io.FileOutputStream",
              "java.io.FileReader",
              "java.io.FileWriter",
              "java.io.RandomAccessFile",
              "java.nio.channels.",
              "java.nio.file.",
              // sockets and HTTP
              "java.net.Socket",
              "java.net.ServerSocket",
              "java.net.DatagramSocket",
              "java.net.MulticastSocket",
              "java.net.URLConnection",
              "java.net.HttpURLConnection",
              "java.net.http.",
              "com.sun.net.httpserver.",
              // native calls (MemorySegment and ValueLayout as buffers are fine)
              "java.lang.foreign.Linker",
              "java.lang.foreign.SymbolLookup",
              "java.lang.foreign.FunctionDescriptor",
              "java.lang.foreign.Arena",
              // the layers above
              "dev.gretun.core.os.",
              "dev.gretun.core.link.",
              "dev.gretun.core.daemon.",
              "dev.gretun.core.dataplane.",
              "dev.gretun.core.peer.",
              "dev.gretun.core.tunnel.",
              "dev.gretun.core.coord.",
              "dev.gretun.core.stun.",
              "dev.gretun.core.keys.",
              "dev.gretun.core.metrics.",
              "dev.gretun.core.log."));

  /**
   * Package (relative to {@code dev.gretun.core}; "" is the root) → the gretun-core packages it may
   * depend on. Mirrors the table in docs/ARCHITECTURE.md.
   */
  static final Map<String, Set<String>> MAY_IMPORT =
      Map.ofEntries(
          Map.entry("", Set.of()),
          Map.entry("util", Set.of()),
          Map.entry("log", Set.of("util")),
          Map.entry("metrics", Set.of()),
          Map.entry("crypto", Set.of()),
          Map.entry("wire", Set.of()),
          Map.entry("wire.ip", Set.of("wire")),
          Map.entry("wire.gre", Set.of("wire", "wire.ip")),
          Map.entry("wire.stun", Set.of("wire")),
          Map.entry("wire.disco", Set.of("wire", "crypto")),
          Map.entry("wire.netlink", Set.of("wire")),
          Map.entry("wire.bpf", Set.of("wire")),
          Map.entry("wire.icmp", Set.of("wire", "wire.ip")),
          Map.entry("wire.relay", Set.of("wire")),
          Map.entry("wire.demux", Set.of("wire", "wire.disco", "wire.gre", "wire.stun")),
          Map.entry("keys", Set.of("crypto")),
          Map.entry("os", Set.of("util", "wire", "wire.ip", "wire.bpf", "wire.netlink")),
          Map.entry("link", Set.of("os", "wire", "wire.netlink")),
          Map.entry("tunnel", Set.of("util", "link", "os", "wire.netlink")),
          Map.entry("stun", Set.of("util", "wire", "wire.stun")),
          Map.entry("probe", Set.of("util", "os", "wire", "wire.icmp")),
          Map.entry("coord", Set.of("util", "crypto", "keys")),
          Map.entry("netcheck", Set.of("wire", "wire.stun")),
          Map.entry("peer", Set.of("util", "wire.disco", "netcheck")),
          Map.entry("dataplane", Set.of("util", "os")),
          Map.entry(
              "dataplane.userspace",
              Set.of("util", "dataplane", "os", "wire", "wire.demux", "wire.gre", "wire.ip")),
          Map.entry(
              "dataplane.kernel",
              Set.of(
                  "util",
                  "dataplane",
                  "link",
                  "os",
                  "wire",
                  "wire.bpf",
                  "wire.ip",
                  "wire.netlink")),
          Map.entry("daemon.localapi", Set.of("util")),
          Map.entry(
              "daemon",
              Set.of(
                  "util",
                  "log",
                  "metrics",
                  "crypto",
                  "keys",
                  "os",
                  "link",
                  "stun",
                  "netcheck",
                  "coord",
                  "peer",
                  "dataplane",
                  "dataplane.userspace",
                  "dataplane.kernel",
                  "daemon.localapi",
                  "wire",
                  "wire.demux",
                  "wire.disco",
                  "wire.gre",
                  "wire.ip",
                  "wire.relay",
                  "wire.stun")));

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");
  private static final Pattern IMPORT =
      Pattern.compile("(?m)^import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;");
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b(?:java|javax|jdk|com|org|io|dev)(?:\\.[A-Za-z_]\\w*)+");
  private static final Pattern COMMENT_OR_STRING =
      Pattern.compile(
          "/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'",
          Pattern.DOTALL);

  /** One source file: its package and every name it depends on. */
  record Source(Path path, String pkg, Set<String> deps) {}

  @Test
  void packagesImportOnlyWhatTheirRuleAllows() {
    List<String> violations = new ArrayList<>();
    for (Source s : sources()) {
      for (Map.Entry<String, List<String>> rule : RULES.entrySet()) {
        if (!within(s.pkg(), rule.getKey())) {
          continue;
        }
        for (String dep : s.deps()) {
          for (String forbidden : rule.getValue()) {
            if (matches(dep, forbidden)) {
              violations.add(MAIN.relativize(s.path()) + " uses " + dep + " (" + forbidden + ")");
            }
          }
        }
      }
    }
    assertEquals(List.of(), violations, "rule violations (see ImportRulesTest.RULES)");
  }

  @Test
  void packagesDependOnlyOnThePackagesTheMapAllows() {
    String root = "dev.gretun.core";
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : packageGraph(sources()).entrySet()) {
      String pkg = e.getKey().equals(root) ? "" : e.getKey().substring(root.length() + 1);
      Set<String> allowed = MAY_IMPORT.get(pkg);
      if (allowed == null) {
        violations.add(e.getKey() + " is not in MAY_IMPORT (and docs/ARCHITECTURE.md)");
        continue;
      }
      for (String dep : e.getValue()) {
        String target = dep.equals(root) ? "" : dep.substring(root.length() + 1);
        if (!target.isEmpty() && !allowed.contains(target)) {
          violations.add(e.getKey() + " -> " + dep);
        }
      }
    }
    assertEquals(List.of(), violations, "dependencies outside ImportRulesTest.MAY_IMPORT");
  }

  @Test
  void thereAreNoCyclesBetweenPackages() {
    Map<String, Set<String>> graph = packageGraph(sources());
    List<String> cycles = new ArrayList<>();
    for (Set<String> component : stronglyConnected(graph)) {
      if (component.size() > 1) {
        cycles.add(describe(component, graph));
      }
    }
    assertEquals(List.of(), cycles, "package cycles");
  }

  @Test
  void theRulesCatchWhatTheyShould() {
    assertTrue(matches("java.net.Socket", "java.net.Socket"));
    assertFalse(matches("java.net.SocketAddress", "java.net.Socket"));
    assertFalse(matches("java.net.InetSocketAddress", "java.net.Socket"));
    assertTrue(matches("java.nio.file.Files", "java.nio.file."));
    assertTrue(matches("java.nio.file.attribute.PosixFilePermission", "java.nio.file."));
    assertTrue(matches("java.net.*", "java.net.Socket"));
    assertTrue(matches("java.lang.foreign.*", "java.lang.foreign.Linker"));
    assertFalse(matches("java.lang.foreign.MemorySegment", "java.lang.foreign.Linker"));
    assertFalse(matches("dev.gretun.core.*", "dev.gretun.core.os."));
    assertTrue(matches("dev.gretun.core.os.*", "dev.gretun.core.os."));
    assertTrue(matches("dev.gretun.core.os.Libc.AF_INET", "dev.gretun.core.os."));
    assertFalse(matches("dev.gretun.core.wire.stun.Stun", "dev.gretun.core.stun."));
    Source s =
        parse(
            Path.of("X.java"),
            "package dev.gretun.core.wire.x;\n"
                + "import java.nio.ByteBuffer;\n"
                + "/** {@link java.net.Socket} in a comment does not count. */\n"
                + "class X { String s = \"java.nio.file.Files\"; Object o = java.nio.channels"
                + ".FileChannel.class; }\n");
    assertEquals(
        new TreeSet<>(List.of("java.nio.ByteBuffer", "java.nio.channels.FileChannel.class")),
        new TreeSet<>(s.deps()));
  }

  private static boolean within(String pkg, String root) {
    return pkg.equals(root) || pkg.startsWith(root + ".");
  }

  /** Whether dependency {@code dep} (a name, or {@code pkg.*}) hits the rule entry. */
  static boolean matches(String dep, String forbidden) {
    if (dep.endsWith(".*")) {
      String pkg = dep.substring(0, dep.length() - 1); // keeps the trailing dot
      return forbidden.endsWith(".")
          ? pkg.startsWith(forbidden)
          : forbidden.substring(0, forbidden.lastIndexOf('.') + 1).equals(pkg);
    }
    if (forbidden.endsWith(".")) {
      return dep.startsWith(forbidden);
    }
    return dep.equals(forbidden) || dep.startsWith(forbidden + ".");
  }

  private static List<Source> sources() {
    try (Stream<Path> files = Files.walk(MAIN)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .sorted()
          .map(p -> parse(p, read(p)))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Source parse(Path path, String text) {
    String code = COMMENT_OR_STRING.matcher(text).replaceAll(" ");
    Matcher pm = PACKAGE.matcher(code);
    String pkg = pm.find() ? pm.group(1) : "";
    Set<String> deps = new LinkedHashSet<>();
    Matcher im = IMPORT.matcher(code);
    while (im.find()) {
      deps.add(im.group(1));
    }
    String body = IMPORT.matcher(PACKAGE.matcher(code).replaceAll(" ")).replaceAll(" ");
    Matcher qm = QUALIFIED.matcher(body);
    while (qm.find()) {
      deps.add(qm.group());
    }
    return new Source(path, pkg, deps);
  }

  /** Package → the other gretun-core packages it depends on. */
  private static Map<String, Set<String>> packageGraph(List<Source> sources) {
    Set<String> packages = new TreeSet<>();
    sources.forEach(s -> packages.add(s.pkg()));
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Source s : sources) {
      Set<String> out = graph.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
      for (String dep : s.deps()) {
        String target = owningPackage(dep, packages);
        if (target != null && !target.equals(s.pkg())) {
          out.add(target);
        }
      }
    }
    return graph;
  }

  /** The longest known package that {@code name} lies in, or null. */
  private static String owningPackage(String name, Set<String> packages) {
    String n = name.endsWith(".*") ? name.substring(0, name.length() - 2) : name;
    while (!n.isEmpty()) {
      if (packages.contains(n)) {
        return n;
      }
      int dot = n.lastIndexOf('.');
      n = dot < 0 ? "" : n.substring(0, dot);
    }
    return null;
  }

  /** Tarjan's strongly connected components. */
  private static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, onStack, out);
      }
    }
    return out;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> graph,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, onStack, out);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      out.add(component);
    }
  }

  private static String describe(Set<String> component, Map<String, Set<String>> graph) {
    List<String> edges = new ArrayList<>();
    for (String a : component) {
      for (String b : graph.getOrDefault(a, Set.of())) {
        if (component.contains(b)) {
          edges.add(a + " -> " + b);
        }
      }
    }
    return String.join(", ", edges);
  }
}
