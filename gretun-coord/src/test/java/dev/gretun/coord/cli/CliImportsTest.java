package dev.gretun.coord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The admin commands get their options from the {@link CoordOptions} mixin, not the root command.
 */
class CliImportsTest {
  private static final Pattern COORD_TOP_LEVEL = Pattern.compile("dev\\.gretun\\.coord\\.[A-Z]");

  @Test
  void cliPackageDoesNotImportTheCoordPackage() throws IOException {
    Path dir = Path.of("src/main/java/dev/gretun/coord/cli");
    List<String> offenders;
    try (Stream<Path> files = Files.list(dir)) {
      offenders =
          files
              .filter(f -> readString(f).lines().anyMatch(l -> COORD_TOP_LEVEL.matcher(l).find()))
              .map(f -> f.getFileName().toString())
              .sorted()
              .toList();
    }
    assertEquals(List.of(), offenders);
  }

  private static String readString(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
