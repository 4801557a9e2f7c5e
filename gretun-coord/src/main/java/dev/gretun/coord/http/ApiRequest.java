package dev.gretun.coord.http;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One complete HTTP request, copied out of Netty's buffers: {@code target} is the raw request
 * target (what the signature covers), {@code path} its decoded path, {@code query} the decoded
 * parameters.
 */
public record ApiRequest(
    String method,
    String target,
    String path,
    Map<String, List<String>> query,
    Function<String, String> header,
    byte[] body,
    InetSocketAddress remote) {

  /** First value of query parameter {@code name}, or null. */
  public String param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
