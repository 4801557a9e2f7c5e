package dev.gretun.core.wire.disco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {"203.0.113.7:7777", "0.0.0.1:1", "10.0.0.255:65535", "255.255.255.254:80"})
  void canonicalFormsRoundTrip(String s) {
    assertEquals(s, Endpoints.format(Endpoints.parse(s)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3:80",
        "127.1:80",
        "017.0.0.1:80",
        "1.2.3.4:+80",
        "1.2.3.4:080",
        "1.2.3.4:0",
        "1.2.3.4:65536",
        "1.2.3.4",
        "1.2.3.4:",
        "256.1.1.1:80",
        "1.2.3.4.5:80",
        " 1.2.3.4:80",
        "1.2.3.4:80 ",
        "0x7f.0.0.1:80",
        "[fe80::1%eth0]:80",
        "[2001:db8::1]:80",
        "host.example:80",
        ""
      })
  void nonCanonicalFormsAreRefused(String s) {
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parse(s));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0:80",
        "127.0.0.1:7777",
        "127.255.0.9:7777",
        "224.0.0.1:80",
        "239.1.2.3:80",
        "255.255.255.255:80"
      })
  void unusableAddressesAreNamed(String s) {
    InetSocketAddress a = Endpoints.parse(s);
    assertThrows(IllegalArgumentException.class, () -> Endpoints.parseUsable(s));
    org.junit.jupiter.api.Assertions.assertNotNull(Endpoints.unusableReason(a));
  }

  @Test
  void privateAndPublicUnicastAreUsable() {
    assertNull(Endpoints.unusableReason(Endpoints.parse("192.168.1.10:41641")));
    assertNull(Endpoints.unusableReason(Endpoints.parse("198.51.100.2:3478")));
  }
}
