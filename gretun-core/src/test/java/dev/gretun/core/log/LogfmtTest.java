package dev.gretun.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogfmtTest {
  private static String pair(String key, String value) {
    StringBuilder b = new StringBuilder();
    Logfmt.appendPair(b, key, value);
    return b.toString();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "plain         | k=plain",
        "1.2.3.4:80    | k=1.2.3.4:80",
        "a b           | 'k=\"a b\"'",
        "a=b           | 'k=\"a=b\"'",
        "''            | 'k=\"\"'",
        "grüße/日本      | k=grüße/日本",
      })
  void bareOrQuoted(String value, String expected) {
    assertEquals(expected, pair("k", value));
  }

  @Test
  void escapesQuotesBackslashesAndControls() {
    assertEquals("k=\"say \\\"hi\\\"\"", pair("k", "say \"hi\""));
    assertEquals("k=\"C:\\\\tmp\"", pair("k", "C:\\tmp"));
    assertEquals("k=\"a\\nb\\r\\tc\"", pair("k", "a\nb\r\tc"));
    assertEquals("k=\"\\u0000\\u001b[31m\\u007f\"", pair("k", "\0\u001b[31m\u007f"));
    assertEquals("k=\"x\\u2028y\"", pair("k", "x\u2028y"));
    assertEquals("k=\"\\ufffd\"", pair("k", "\ud800"));
    assertEquals("k=\"\\ufffdz\"", pair("k", "\udc00z"));
    assertEquals("k=😀", pair("k", "😀"));
  }

  @Test
  void nullIsTheBareWordNull() {
    assertEquals("k=null", pair("k", null));
  }

  @Test
  void pairsAreSeparatedByOneSpaceAndBadKeysAreMadeSafe() {
    StringBuilder b = new StringBuilder();
    Logfmt.appendPair(b, "a", "1");
    Logfmt.appendPair(b, "b c=\"", "2");
    Logfmt.appendPair(b, "", "3");
    assertEquals("a=1 b_c__=2 _=3", b.toString());
  }
}
