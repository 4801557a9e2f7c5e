package dev.gretun.core.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** {@link CoordFailover} against scripted replicas: no sockets. */
class CoordFailoverTest {
  private static final URI A = URI.create("https://a.test:8443");
  private static final URI B = URI.create("https://b.test:8443");
  private static final URI C = URI.create("https://c.test:8443");

  private final Logger logger = (Logger) LoggerFactory.getLogger(CoordFailover.class);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  /** Per URL: what the replica does with the next requests (in order; the last one repeats). */
  private final Map<URI, List<Outcome>> replicas = new HashMap<>();

  private final List<URI> asked = new ArrayList<>();

  private sealed interface Outcome {}

  private record Answer(String body) implements Outcome {}

  private record Fails(IOException error) implements Outcome {}

  private record Refuses(int status, String code) implements Outcome {}

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  private void replica(URI url, Outcome... outcomes) {
    replicas.put(url, new ArrayList<>(List.of(outcomes)));
  }

  private String request(URI base) throws IOException {
    asked.add(base);
    List<Outcome> script = replicas.get(base);
    Outcome o = script.size() > 1 ? script.remove(0) : script.get(0);
    return switch (o) {
      case Answer a -> a.body();
      case Fails f -> throw f.error();
      case Refuses r -> throw new CoordException(r.status(), r.code(), "refused by " + base);
    };
  }

  private List<String> failoverLines() {
    return logs.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("coordinator_failover "))
        .toList();
  }

  @Test
  void anIoErrorMovesToTheNextUrlAndTheNodeStaysThere() throws Exception {
    replica(A, new Fails(new ConnectException("Connection refused")));
    replica(B, new Answer("from b"));
    CoordFailover f = new CoordFailover(List.of(A, B));

    assertEquals("from b", f.call(this::request));
    assertEquals(B, f.current());
    assertEquals("from b", f.call(this::request));
    assertEquals(List.of(A, B, B), asked, "no fail-back to A while B answers");
    assertEquals(
        List.of(
            "coordinator_failover from=https://a.test:8443 to=https://b.test:8443 reason=connect"
                + " error=Connection refused"),
        failoverLines());
  }

  @Test
  void aTimeoutAndATlsFailureAreNoAnswerEither() throws Exception {
    replica(A, new Fails(new HttpTimeoutException("request timed out")));
    replica(B, new Fails(new CoordTlsException(B, new javax.net.ssl.SSLException("bad cert"))));
    replica(C, new Answer("from c"));
    CoordFailover f = new CoordFailover(List.of(A, B, C));

    assertEquals("from c", f.call(this::request));
    assertEquals(List.of(A, B, C), asked);
    List<String> lines = failoverLines();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("reason=timeout"), lines.get(0));
    assertTrue(lines.get(1).contains("from=https://b.test:8443 to=https://c.test:8443"));
    assertTrue(lines.get(1).contains("reason=tls"), lines.get(1));
  }

  @Test
  void aFailureWithoutAMessageIsNamedByItsType() throws Exception {
    replica(A, new Fails(new ConnectException()));
    replica(B, new Answer("from b"));
    CoordFailover f = new CoordFailover(List.of(A, B));

    assertEquals("from b", f.call(this::request));
    assertTrue(
        failoverLines().get(0).endsWith("reason=connect error=java.net.ConnectException"),
        failoverLines().toString());
  }

  @ParameterizedTest
  @ValueSource(ints = {502, 503, 504})
  void aProxySayingTheReplicaIsGoneMovesOn(int status) throws Exception {
    replica(A, new Refuses(status, "http_" + status));
    replica(B, new Answer("from b"));
    CoordFailover f = new CoordFailover(List.of(A, B));

    assertEquals("from b", f.call(this::request));
    assertEquals(B, f.current());
    assertEquals(1, failoverLines().size());
    assertTrue(failoverLines().get(0).contains("reason=http_" + status), failoverLines().get(0));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 409, 429, 500})
  void anyOtherStatusIsTheCoordinatorsAnswer(int status) {
    replica(A, new Refuses(status, "refused"));
    replica(B, new Answer("from b"));
    CoordFailover f = new CoordFailover(List.of(A, B));

    CoordException e = assertThrows(CoordException.class, () -> f.call(this::request));
    assertEquals(status, e.status());
    assertEquals(List.of(A), asked, "B must not be asked: A answered");
    assertEquals(A, f.current());
    assertEquals(List.of(), failoverLines());
  }

  @Test
  void whenEveryUrlFailsTheLastFailureGoesBackAfterOneTryEach() throws Exception {
    IOException atB = new ConnectException("b down");
    replica(A, new Fails(new ConnectException("a down")));
    replica(B, new Fails(atB));
    CoordFailover f = new CoordFailover(List.of(A, B));

    IOException e = assertThrows(IOException.class, () -> f.call(this::request));
    assertSame(atB, e, "the caller's retry and backoff see the last failure");
    assertEquals(List.of(A, B), asked, "each URL once per request");
    assertEquals(B, f.current(), "the next request starts at the URL tried last");

    replica(A, new Answer("a is back"));
    asked.clear();
    assertEquals("a is back", f.call(this::request), "the retry after the backoff finds A");
    assertEquals(List.of(B, A), asked);
  }

  @Test
  void oneUrlFailsAsBeforeWithoutAFailoverLine() {
    replica(A, new Fails(new ConnectException("a down")));
    CoordFailover f = new CoordFailover(List.of(A));

    assertThrows(ConnectException.class, () -> f.call(this::request));
    assertEquals(List.of(A), asked);
    assertEquals(List.of(), failoverLines());
  }

  @Test
  void twoRequestsFailingAtTheSameReplicaMoveOnOnce() throws Exception {
    replica(A, new Fails(new ConnectException("a died")));
    replica(B, new Answer("from b"));
    replica(C, new Answer("from c"));
    CoordFailover f = new CoordFailover(List.of(A, B, C));

    // The signals poll fails at A while the peers poll, also held at A, has already moved to B.
    String first =
        f.call(
            base -> {
              if (!base.equals(A)) {
                return request(base);
              }
              assertEquals("from b", f.call(this::request));
              throw new IOException("a died under the held poll");
            });

    assertEquals("from b", first, "the second failure at A must not skip B");
    assertEquals(B, f.current());
    assertEquals(1, failoverLines().size(), failoverLines().toString());
  }

  @Test
  void interruptionIsNotAFailover() {
    replica(B, new Answer("from b"));
    CoordFailover f = new CoordFailover(List.of(A, B));

    assertThrows(
        InterruptedException.class,
        () ->
            f.call(
                base -> {
                  throw new InterruptedException();
                }));
    assertEquals(A, f.current());
    assertEquals(List.of(), failoverLines());
  }

  @Test
  void needsAUrl() {
    assertThrows(IllegalArgumentException.class, () -> new CoordFailover(List.of()));
  }
}
