package dev.gretun.core.daemon.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's local API socket (`--control-socket`): a Unix domain socket speaking one JSON
 * request line and one JSON reply line per connection ({@code {"cmd":"peers"}} → {@code
 * {"ok":true,"result":...}}; further request fields are the command's arguments). The socket file
 * is 0660 and lives in a 0755 directory, so only root (or the socket's group) can query the daemon.
 * Each connection is served on its own virtual thread (a {@code ping} waits for a pong without
 * holding up {@code peers}), at most {@value #MAX_CONNECTIONS} at once; more are refused as busy.
 */
public final class LocalApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalApiServer.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int MAX_REQUEST = 4096;
  private static final int MAX_CONNECTIONS = 8;

  /**
   * A handler's answer whose {@code then} runs once the reply is written (e.g. {@code down}: stop
   * the daemon after telling the caller it is stopping).
   */
  public record AfterReply(Object result, Runnable then) {}

  private final Path path;
  private final ServerSocketChannel server;
  private final Function<LocalApiRequest, Object> handler;
  private final Thread acceptor;
  private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);

  private LocalApiServer(
      Path path, ServerSocketChannel server, Function<LocalApiRequest, Object> handler) {
    this.path = path;
    this.server = server;
    this.handler = handler;
    this.acceptor = Thread.ofPlatform().daemon().name("local-api").unstarted(this::acceptLoop);
  }

  /**
   * Binds {@code path} (replacing a stale socket file left by a crashed daemon) and serves {@code
   * handler(request)} results, serialized with Jackson. An unknown command or a bad argument should
   * throw {@link IllegalArgumentException}; its message is returned as the error.
   */
  public static LocalApiServer start(Path path, Function<LocalApiRequest, Object> handler)
      throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Files.deleteIfExists(path);
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
    LocalApiServer s = new LocalApiServer(path, ch, handler);
    s.acceptor.start();
    log.debug("local_api_listen path={}", path);
    return s;
  }

  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        if (!connections.tryAcquire()) {
          try (client) {
            reply(client, error("busy: too many local API connections"), null);
          }
          continue;
        }
        Thread.ofVirtual().name("local-api-conn").start(() -> serveAndClose(client));
      } catch (IOException e) {
        if (server.isOpen()) {
          log.warn("local_api_error error={}", e.toString());
        }
      }
    }
  }

  private void serveAndClose(SocketChannel client) {
    try (client) {
      serve(client);
    } catch (IOException e) {
      log.debug("local_api_error error=\"{}\"", e.toString());
    } finally {
      connections.release();
    }
  }

  private static ObjectNode error(String message) {
    ObjectNode reply = MAPPER.createObjectNode();
    reply.put("ok", false);
    reply.put("error", message);
    return reply;
  }

  private static void reply(SocketChannel client, ObjectNode reply, Runnable then)
      throws IOException {
    OutputStream out = Channels.newOutputStream(client);
    out.write(MAPPER.writeValueAsBytes(reply));
    out.write('\n');
    out.flush();
    client.shutdownOutput();
    if (then != null) {
      then.run();
    }
  }

  private void serve(SocketChannel client) throws IOException {
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8),
            MAX_REQUEST);
    String line = in.readLine();
    ObjectNode reply = MAPPER.createObjectNode();
    Runnable then = null;
    try {
      if (line == null || line.length() > MAX_REQUEST) {
        throw new IllegalArgumentException("empty or oversized request");
      }
      JsonNode req = MAPPER.readTree(line);
      if (req == null || !req.isObject()) {
        throw new IllegalArgumentException("request must be one JSON object");
      }
      Object result = handler.apply(new LocalApiRequest(req.path("cmd").asText(""), req));
      if (result instanceof AfterReply after) {
        result = after.result();
        then = after.then();
      }
      reply.put("ok", true);
      reply.set("result", MAPPER.valueToTree(result));
    } catch (IllegalArgumentException | IOException e) {
      reply = error(e.getMessage());
    }
    reply(client, reply, then);
  }

  @Override
  public void close() {
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("local_api_close_failed path={} error={}", path, e.toString());
    }
  }
}
