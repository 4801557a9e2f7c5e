package dev.gretun.coord.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * One in-memory TLS handshake against the server context at start. The first handshake in a JVM
 * loads and compiles the whole TLS stack (seconds on a busy host); done here, it is not charged to
 * the first nodes, whose connect timeout and our handshake timeout both count it.
 */
final class TlsWarmUp {
  private static final int MAX_ROUNDS = 50;

  private TlsWarmUp() {}

  /** Handshakes a client that trusts exactly {@code leaf} with {@code server}; true when done. */
  static boolean handshake(SslContext server, X509Certificate leaf)
      throws GeneralSecurityException, SSLException, java.io.IOException {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("leaf", leaf);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(anchors);
    SSLContext clientContext = SSLContext.getInstance("TLSv1.3");
    clientContext.init(null, tmf.getTrustManagers(), null);
    SSLEngine client = clientContext.createSSLEngine();
    client.setUseClientMode(true);
    SSLEngine srv = server.newEngine(ByteBufAllocator.DEFAULT);
    int size = Math.max(client.getSession().getPacketBufferSize(), 32 * 1024);
    ByteBuffer toServer = ByteBuffer.allocate(size);
    ByteBuffer toClient = ByteBuffer.allocate(size);
    ByteBuffer app = ByteBuffer.allocate(size);
    ByteBuffer empty = ByteBuffer.allocate(0);
    client.beginHandshake();
    srv.beginHandshake();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      if (done(client) && done(srv)) {
        return true;
      }
      client.wrap(empty, toServer);
      runTasks(client);
      toServer.flip();
      srv.unwrap(toServer, app.clear());
      toServer.compact();
      runTasks(srv);
      srv.wrap(empty, toClient);
      runTasks(srv);
      toClient.flip();
      client.unwrap(toClient, app.clear());
      toClient.compact();
      runTasks(client);
    }
    return false;
  }

  private static boolean done(SSLEngine e) {
    HandshakeStatus s = e.getHandshakeStatus();
    return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
  }

  private static void runTasks(SSLEngine e) {
    for (Runnable task = e.getDelegatedTask(); task != null; task = e.getDelegatedTask()) {
      task.run();
    }
  }
}
