package dev.gretun.coord.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {
  @ParameterizedTest
  @CsvSource({
    "/healthz,/healthz",
    "/v1/peers?cursor=a-1,/v1/peers",
    "/debug/peers,/debug/peers",
    "/,/",
    "/v1/,/v1/",
    "/a.b_c~d-e,/a.b_c~d-e"
  })
  void acceptsPlainPaths(String target, String path) {
    assertEquals(path, RequestPath.of(target));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/debug%2Fpeers",
        "/debug%2fpeers",
        "/%64ebug/peers",
        "//debug/peers",
        "/debug//peers",
        "/v1/peers/../register",
        "/./healthz",
        "/..",
        "/healthz/.",
        "/debug\\peers",
        "/debug;/peers",
        "http://example.org/debug/peers",
        "*",
        "",
        "debug/peers",
        "/d\u00e9bug"
      })
  void refusesEscapesDotSegmentsAndEmptySegments(String target) {
    assertThrows(IllegalArgumentException.class, () -> RequestPath.of(target));
  }

  @ParameterizedTest
  @CsvSource({
    "192.0.2.7,192.0.2.7",
    "::ffff:192.0.2.7,192.0.2.7",
    "2001:db8:1:2:aaaa:bbbb:cccc:dddd,2001:db8:1:2::",
    "2001:db8:1:2::1,2001:db8:1:2::"
  })
  void capsCountIpv4HostsAndIpv6Slash64s(String address, String key) throws Exception {
    assertEquals(
        InetAddress.getByName(key), ConnectionCaps.clientKey(InetAddress.getByName(address)));
  }
}
