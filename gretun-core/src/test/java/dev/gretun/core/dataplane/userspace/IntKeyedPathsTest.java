package dev.gretun.core.dataplane.userspace;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

class IntKeyedPathsTest {
  @Test
  void findsEveryKeyIncludingNegativeOnesAndNothingElse() {
    PeerPath a = new PeerPath("a", 0xdeadbeef, 0x64400002);
    PeerPath b = new PeerPath("b", 7, 0x64400003);
    PeerPath c = new PeerPath("c", Integer.MAX_VALUE, 0x64400004);
    IntKeyedPaths byKey = IntKeyedPaths.of(List.of(c, a, b), p -> p.greKey);
    assertSame(a, byKey.get(0xdeadbeef));
    assertSame(b, byKey.get(7));
    assertSame(c, byKey.get(Integer.MAX_VALUE));
    assertNull(byKey.get(8));
    assertNull(IntKeyedPaths.EMPTY.get(7));
    assertSame(b, IntKeyedPaths.of(List.of(a, b), p -> 1).get(1), "the later of two wins");
  }
}
