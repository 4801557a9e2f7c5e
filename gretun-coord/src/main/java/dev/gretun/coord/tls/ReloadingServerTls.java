package dev.gretun.coord.tls;

import dev.gretun.core.GretunException;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS with the certificate and key of two PEM files, TLS 1.3 only (JDK provider). The files are
 * checked every {@link #POLL} and loaded again when either changed (modification time, size or
 * inode, so a renamed-over or re-pointed symlink counts): new connections get the new certificate,
 * open ones keep the one they negotiated. A file pair that fails to load is logged at ERROR and the
 * previous certificate stays in use.
 *
 * <p>Why a file watch and not SIGHUP: the JDK has no supported API to handle signals (only {@code
 * sun.misc.Signal}, an internal API), and the JVM treats SIGHUP like SIGTERM (shutdown hooks).
 */
public final class ReloadingServerTls implements ServerTls, AutoCloseable {
  /** How often the files are checked for changes. */
  public static final Duration POLL = Duration.ofSeconds(2);

  static final List<String> PROTOCOLS = List.of("TLSv1.3");
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingServerTls.class);

  private final Path certFile;
  private final Path keyFile;
  private final ScheduledExecutorService watcher =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("coord-tls-reload").unstarted(r));
  private volatile SslContext context;
  private List<FileStamp> stamps;

  private ReloadingServerTls(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /**
   * Loads the pair and starts watching it.
   *
   * @throws GretunException when the files are unreadable, malformed or do not belong together
   */
  public static ReloadingServerTls start(Path certFile, Path keyFile) {
    ReloadingServerTls tls = new ReloadingServerTls(certFile, keyFile);
    tls.stamps = tls.stamps();
    ServerCertificate cert = ServerCertificate.load(certFile, keyFile);
    tls.context = context(cert);
    LOG.info(
        "tls_serving cert={} key={} subject={} serial={} not_after={} protocols={}",
        certFile,
        keyFile,
        cert.subject(),
        cert.serialHex(),
        cert.notAfter(),
        String.join(",", PROTOCOLS));
    warnIfExpired(cert);
    warmUp(tls.context, cert);
    tls.watcher.scheduleWithFixedDelay(
        tls::reloadIfChanged, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    return tls;
  }

  @Override
  public void install(Channel connection) {
    connection.pipeline().addFirst("tls", context.newHandler(connection.alloc()));
  }

  @Override
  public boolean enabled() {
    return true;
  }

  void reloadIfChanged() {
    List<FileStamp> now = stamps();
    if (now.equals(stamps)) {
      return;
    }
    stamps = now;
    try {
      ServerCertificate cert = ServerCertificate.load(certFile, keyFile);
      context = context(cert);
      LOG.info(
          "tls_reloaded subject={} serial={} not_after={}",
          cert.subject(),
          cert.serialHex(),
          cert.notAfter());
      warnIfExpired(cert);
    } catch (GretunException e) {
      LOG.error(
          "tls_reload_failed error={} note=\"keeping the previous certificate\"", e.getMessage());
    }
  }

  private List<FileStamp> stamps() {
    return List.of(FileStamp.of(certFile), FileStamp.of(keyFile));
  }

  private static SslContext context(ServerCertificate cert) {
    try {
      return SslContextBuilder.forServer(cert.key(), cert.chain().toArray(X509Certificate[]::new))
          .sslProvider(SslProvider.JDK)
          .protocols(PROTOCOLS)
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new GretunException("tls_cert", "cannot use the certificate: " + e.getMessage(), e);
    }
  }

  private static void warmUp(SslContext context, ServerCertificate cert) {
    long start = System.nanoTime();
    try {
      boolean done = TlsWarmUp.handshake(context, cert.leaf());
      LOG.debug("tls_warm_up done={} ms={}", done, (System.nanoTime() - start) / 1_000_000);
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      // Only a speed-up: the listener works without it.
      LOG.debug("tls_warm_up_failed error={}", e.toString());
    }
  }

  private static void warnIfExpired(ServerCertificate cert) {
    if (cert.expired(Instant.now())) {
      LOG.warn(
          "tls_cert_expired subject={} serial={} not_after={} note={}",
          cert.subject(),
          cert.serialHex(),
          cert.notAfter(),
          "nodes will refuse it");
    }
  }

  @Override
  public void close() {
    watcher.shutdownNow();
  }

  /** What tells a changed file: modification time, size and inode (null when unreadable). */
  private record FileStamp(FileTime modified, long size, Object inode) {
    static FileStamp of(Path file) {
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey());
      } catch (IOException e) {
        return new FileStamp(null, -1, null);
      }
    }
  }
}
