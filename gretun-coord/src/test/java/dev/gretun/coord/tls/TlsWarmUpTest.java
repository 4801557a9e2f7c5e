package dev.gretun.coord.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gretun.core.coord.TestCa;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;

class TlsWarmUpTest {
  @Test
  void completesAnInMemoryTls13HandshakeWithTheServerContext() throws Exception {
    TestCa.Issued leaf = TestCa.create("warm-up CA").issue(TestCa.KeyType.EC, "127.0.0.1");
    var server =
        SslContextBuilder.forServer(leaf.keys().getPrivate(), leaf.certificate())
            .sslProvider(SslProvider.JDK)
            .protocols(ReloadingServerTls.PROTOCOLS)
            .build();
    assertTrue(TlsWarmUp.handshake(server, leaf.certificate()));
  }
}
