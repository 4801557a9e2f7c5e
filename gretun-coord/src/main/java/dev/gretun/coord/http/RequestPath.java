package dev.gretun.coord.http;

/**
 * The one place a request target's path is checked, before routing. Every route is plain ASCII, so
 * a path is accepted only as it is meant to be routed: segments of {@code A-Z a-z 0-9 - . _ ~}, no
 * percent-escapes (so {@code /debug%2Fpeers} cannot slip past a proxy's prefix rule and still reach
 * {@code /debug/peers}), no empty segment ({@code //}) and no dot segment ({@code .}, {@code ..}).
 * Whatever passes is its own decoded form: no second decoding can change it.
 */
final class RequestPath {
  private RequestPath() {}

  /**
   * The path of {@code target} (an origin-form request target, RFC 9112 §3.2.1).
   *
   * @throws IllegalArgumentException when the path is not in the form above
   */
  static String of(String target) {
    int end = target.indexOf('?');
    String path = end < 0 ? target : target.substring(0, end);
    if (path.isEmpty() || path.charAt(0) != '/') {
      throw new IllegalArgumentException("request target must start with /");
    }
    int segmentStart = 1;
    for (int i = 1; i <= path.length(); i++) {
      char c = i < path.length() ? path.charAt(i) : '/';
      if (c == '/') {
        checkSegment(path, segmentStart, i, i == path.length());
        segmentStart = i + 1;
      } else if (!unreserved(c)) {
        throw new IllegalArgumentException("character not allowed in path");
      }
    }
    return path;
  }

  private static void checkSegment(String path, int from, int to, boolean last) {
    int len = to - from;
    if (len == 0 && !(last && path.length() == from)) {
      throw new IllegalArgumentException("empty path segment");
    }
    if ((len == 1 && path.charAt(from) == '.')
        || (len == 2 && path.charAt(from) == '.' && path.charAt(from + 1) == '.')) {
      throw new IllegalArgumentException("dot segment in path");
    }
  }

  // RFC 3986 §2.3 unreserved characters.
  private static boolean unreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
