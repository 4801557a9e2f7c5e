package dev.gretun.core.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs code inside another network namespace: a fresh platform thread joins the namespace with
 * setns(2) (which changes only the calling thread), runs the action and ends. Sockets created by
 * the action stay in that namespace for their whole life, whatever thread later uses them.
 */
public final class Namespaces {
  /** {@code CLONE_NEWNET} from {@code linux/sched.h}. */
  public static final int CLONE_NEWNET = 0x40000000;

  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final MethodHandle OPEN =
      Libc.downcall("open", FunctionDescriptor.of(JAVA_INT, ValueLayout.ADDRESS, JAVA_INT));
  private static final MethodHandle SETNS =
      Libc.downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  private Namespaces() {}

  /** Path of a namespace made by {@code ip netns add NAME}. */
  public static Path named(String name) {
    return Path.of("/run/netns", name);
  }

  /** Runs {@code action} on a thread that has joined the network namespace at {@code nsFile}. */
  public static <T> T inNetns(Path nsFile, Supplier<T> action) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("netns-" + nsFile.getFileName())
            .start(
                () -> {
                  try {
                    enter(nsFile);
                    result.set(action.get());
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
      throw new IllegalStateException(f);
    }
    return result.get();
  }

  private static void enter(Path nsFile) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment st = Libc.newCallState(arena);
      MemorySegment path = arena.allocateFrom(nsFile.toString());
      int fd =
          (int)
              Libc.check(
                  "open " + nsFile, (int) OPEN.invokeExact(st, path, O_RDONLY | O_CLOEXEC), st);
      try {
        Libc.check("setns", (int) SETNS.invokeExact(st, fd, CLONE_NEWNET), st);
      } finally {
        Libc.close(fd);
      }
    }
  }
}
