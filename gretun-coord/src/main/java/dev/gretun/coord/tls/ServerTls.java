package dev.gretun.coord.tls;

import io.netty.channel.Channel;

/**
 * The listener's TLS layer: HTTPS via {@link ReloadingServerTls}, or none ({@code
 * --insecure-http}).
 */
public interface ServerTls {

  /** Puts the TLS handler at the front of a newly accepted connection's pipeline (or nothing). */
  void install(Channel connection);

  /** Whether connections are HTTPS. */
  boolean enabled();

  /** Plain HTTP: nothing is added to the pipeline. */
  static ServerTls plainHttp() {
    return new ServerTls() {
      @Override
      public void install(Channel connection) {}

      @Override
      public boolean enabled() {
        return false;
      }
    };
  }
}
