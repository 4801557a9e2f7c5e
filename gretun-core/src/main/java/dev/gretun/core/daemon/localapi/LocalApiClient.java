package dev.gretun.core.daemon.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.core.GretunException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks a running {@code gretun up} for something over its local API socket ({@code
 * --control-socket}).
 */
public final class LocalApiClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LocalApiClient() {}

  /** Sends {@code cmd}; returns the reply's {@code result} or throws with the daemon's error. */
  public static JsonNode call(Path socket, String cmd) {
    return call(socket, cmd, Map.of());
  }

  /** Sends {@code cmd} with arguments {@code args} (more fields of the request object). */
  public static JsonNode call(Path socket, String cmd, Map<String, ?> args) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("cmd", cmd);
      request.putAll(args);
      byte[] req = MAPPER.writeValueAsBytes(request);
      ch.write(ByteBuffer.wrap(req));
      ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
      ch.shutdownOutput();
      InputStream in = Channels.newInputStream(ch);
      JsonNode reply = MAPPER.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      if (reply == null || !reply.path("ok").asBoolean(false)) {
        String err = reply == null ? "empty reply" : reply.path("error").asText("unknown error");
        throw new GretunException("daemon_error", "gretun daemon refused '" + cmd + "': " + err);
      }
      return reply.path("result");
    } catch (AccessDeniedException e) {
      throw new GretunException(
          "permission", "cannot open " + socket + ": run as root (the local API socket is 0660)");
    } catch (IOException e) {
      throw new GretunException(
          "not_running",
          "no gretun daemon answers on "
              + socket
              + " ("
              + e.getMessage()
              + "): start one with 'sudo gretun up', or pass --control-socket");
    }
  }

  /** True while something accepts connections on {@code socket} (the daemon has not stopped). */
  public static boolean listening(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
