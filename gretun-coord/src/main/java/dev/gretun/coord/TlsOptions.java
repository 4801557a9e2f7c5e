package dev.gretun.coord;

import dev.gretun.coord.tls.ReloadingServerTls;
import dev.gretun.coord.tls.ServerTls;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The HTTPS flags (docs/COORD.md "TLS"), mixed into {@link CoordCommand}. */
public final class TlsOptions {
  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "PEM certificate chain to serve HTTPS with, leaf first; reloaded when it changes.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description =
          "PEM private key of --tls-cert: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted.")
  Path tlsKey;

  @Option(
      names = "--insecure-http",
      description =
          "Serve plain HTTP without --tls-cert: peer lists travel in clear (labs, or a TLS proxy"
              + " on this host).")
  boolean insecureHttp;

  /** Plain HTTP (only with --insecure-http) or HTTPS from the PEM files, reloaded on change. */
  ServerTls tls(Function<String, CommandLine.ParameterException> usage) {
    if (tlsCert == null && tlsKey == null) {
      if (!insecureHttp) {
        throw usage.apply(
            "no TLS certificate: pass --tls-cert FILE --tls-key FILE (PEM), or --insecure-http to"
                + " serve plain HTTP (labs, or behind a TLS proxy on this host)");
      }
      return ServerTls.plainHttp();
    }
    if (tlsKey == null) {
      throw usage.apply("--tls-cert needs --tls-key FILE: the PEM private key of that certificate");
    }
    if (tlsCert == null) {
      throw usage.apply("--tls-key needs --tls-cert FILE: the PEM certificate chain of that key");
    }
    if (insecureHttp) {
      throw usage.apply("--insecure-http contradicts --tls-cert: give one or the other");
    }
    return ReloadingServerTls.start(tlsCert, tlsKey);
  }
}
