package dev.gretun.coord.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a process's CPU time and RSS from /proc and a JVM's heap from its Prometheus text. */
final class ProcStats {
  static final long CLK_TCK = 100;

  private ProcStats() {}

  /** Heap (JVM view), RSS and CPU share of a process over a window. */
  record Sample(double heapMiB, double rssMiB, double cpuPercent) {
    Map<String, Object> map() {
      return Map.of(
          "heap_mib", round(heapMiB), "rss_mib", round(rssMiB), "cpu_percent", round(cpuPercent));
    }

    @Override
    public String toString() {
      return String.format("heap %.1f MiB, RSS %.1f MiB, CPU %.1f %%", heapMiB, rssMiB, cpuPercent);
    }
  }

  static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  static double metric(String text, String nameRegex) {
    Matcher m = Pattern.compile("(?m)^" + nameRegex + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  static double heapBytes(String text) {
    Matcher m =
        Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} (\\S+)$").matcher(text);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** The java process under a launcher script (which usually execs java, so pid is already it). */
  static long javaPid(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(
            h ->
                h.descendants()
                    .filter(d -> d.info().command().orElse("").endsWith("/java"))
                    .findFirst())
        .map(ProcessHandle::pid)
        .orElse(pid);
  }
}
