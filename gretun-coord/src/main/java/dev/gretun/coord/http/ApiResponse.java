package dev.gretun.coord.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gretun.coord.CoordRejection;
import dev.gretun.core.coord.CoordWire;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A reply ready to write: status, content type, body and extra headers. */
public record ApiResponse(
    int status, String contentType, byte[] body, Map<String, String> headers) {
  private static final ObjectMapper JSON = CoordWire.mapper();
  public static final String JSON_TYPE = "application/json";

  public static ApiResponse json(int status, Object value) {
    try {
      return new ApiResponse(status, JSON_TYPE, JSON.writeValueAsBytes(value), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ApiResponse rawJson(byte[] body, Map<String, String> headers) {
    return new ApiResponse(200, JSON_TYPE, body, headers);
  }

  public static ApiResponse text(String contentType, String body) {
    return new ApiResponse(200, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  public static ApiResponse error(int status, String code, String message) {
    return json(status, new CoordWire.ErrorBody(message, code));
  }

  public static ApiResponse of(CoordRejection r) {
    return error(r.status(), r.code(), r.getMessage());
  }

  public ApiResponse withHeader(String name, String value) {
    var h = new java.util.LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiResponse(status, contentType, body, Map.copyOf(h));
  }
}
