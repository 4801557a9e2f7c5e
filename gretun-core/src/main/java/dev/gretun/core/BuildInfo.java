package dev.gretun.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Version facts stamped into the jar at build time (Maven version, git describe, build time). */
public record BuildInfo(String version, String commit, String buildTime, String javaVersion) {

  private static final String RESOURCE = "build-info.properties";

  /** Reads the stamped properties; fields Maven could not fill (no git) become "unknown". */
  public static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String version = clean(p.getProperty("version"));
    String describe = clean(p.getProperty("describe"));
    if (!describe.equals("unknown") && !describe.equals(version)) {
      version = version + "+" + describe;
    }
    return new BuildInfo(
        version,
        clean(p.getProperty("commit")),
        clean(p.getProperty("buildTime")),
        Runtime.version().toString());
  }

  private static String clean(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
  }
}
