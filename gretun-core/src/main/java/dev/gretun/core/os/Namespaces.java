package dev.gretun.core.os;

import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside another network namespace: a fresh platform thread joins the namespace with
 * setns(2) (which changes only the calling thread), runs the action and ends. Sockets created by
 * the action stay in that namespace for their whole life, whatever thread later uses them.
 */
public final class Namespaces {
  /** {@code CLONE_NEWNET} from {@code linux/sched.h}. */
  public static final int CLONE_NEWNET = 0x40000000;

  /** What runs in the namespace; its exception reaches the caller of {@link #inNetns}. */
  @FunctionalInterface
  public interface Action<T, E extends Exception> {
    T run() throws E;
  }

  private Namespaces() {}

  /** Path of a namespace made by {@code ip netns add NAME}. */
  public static Path named(String name) {
    return Path.of("/run/netns", name);
  }

  /**
   * Runs {@code action} on a thread that has joined the network namespace at {@code nsFile}. A
   * namespace that cannot be joined is an {@link UncheckedIOException} around the {@link
   * ErrnoException}.
   */
  public static <T, E extends Exception> T inNetns(Path nsFile, Action<T, E> action) throws E {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("netns-" + nsFile.getFileName())
            .start(
                () -> {
                  try {
                    enter(nsFile);
                    result.set(action.run());
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while switching namespace", e);
    }
    Throwable f = failure.get();
    if (f instanceof RuntimeException re) {
      throw re;
    }
    if (f instanceof Error err) {
      throw err;
    }
    if (f != null) {
      @SuppressWarnings("unchecked") // action.run() throws nothing else that is checked
      E e = (E) f;
      throw e;
    }
    return result.get();
  }

  private static void enter(Path nsFile) {
    try (Arena arena = Arena.ofConfined()) {
      int fd =
          (int)
              Libc.check(
                  "open(" + nsFile + ")",
                  Libc.open(arena.allocateFrom(nsFile.toString()), Libc.O_RDONLY | Libc.O_CLOEXEC));
      try {
        Libc.check("setns(" + nsFile + ")", Libc.setns(fd, CLONE_NEWNET));
      } finally {
        Libc.close(fd);
      }
    } catch (ErrnoException e) {
      throw new UncheckedIOException(e);
    }
  }
}
