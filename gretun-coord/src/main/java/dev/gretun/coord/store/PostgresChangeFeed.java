package dev.gretun.coord.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on the store's notification channels on a connection of its own (outside the pool: it is
 * held for the life of the process) and hands each notification's payload to the channel's
 * listeners, on this feed's thread. After the connection broke and came back, every listener gets
 * an empty payload (notifications sent meanwhile are lost, so listeners must re-read the store).
 */
final class PostgresChangeFeed implements SqlCoordStore.ChangeFeed {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresChangeFeed.class);
  private static final int POLL_MS = 250;

  private final String jdbcUrl;
  private final Properties props;
  private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  PostgresChangeFeed(String jdbcUrl, Properties props, List<String> channels) {
    this.jdbcUrl = jdbcUrl;
    this.props = props;
    channels.forEach(ch -> listeners.put(ch, new CopyOnWriteArrayList<>()));
    this.thread = Thread.ofPlatform().daemon().name("pg-listen").unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** Adds a listener of {@code channel} (one of those given at construction). */
  void listen(String channel, Consumer<String> listener) {
    listeners.get(channel).add(listener);
  }

  @Override
  public void subscribe(Runnable listener) {
    listen(PostgresDialect.CHANNEL, payload -> listener.run());
  }

  private void run() {
    boolean reconnected = false;
    while (!closed) {
      try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
        try (var st = c.createStatement()) {
          for (String ch : listeners.keySet()) {
            st.execute("LISTEN " + ch); // channel names are constants of this package
          }
        }
        if (reconnected) {
          LOG.info("store_listen_restored");
          listeners.values().forEach(ls -> ls.forEach(l -> deliver(l, "")));
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] got = pg.getNotifications(POLL_MS);
          if (got != null) {
            for (PGNotification n : got) {
              List<Consumer<String>> ls = listeners.get(n.getName());
              if (ls != null) {
                ls.forEach(l -> deliver(l, n.getParameter()));
              }
            }
          }
        }
      } catch (SQLException e) {
        if (closed) {
          return;
        }
        LOG.warn("store_listen_failed error=\"{}\" retry_ms=1000", e.getMessage());
        reconnected = true;
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private static void deliver(Consumer<String> l, String payload) {
    try {
      l.accept(payload);
    } catch (RuntimeException e) {
      LOG.warn("store_listener_failed error=\"{}\"", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
