package dev.gretun.core.os;

import java.lang.foreign.Arena;

/** A socket descriptor and the native memory its calls use, released together, once. */
abstract class SocketFd implements AutoCloseable {
  final int fd;
  final Arena arena = Arena.ofShared();
  private boolean closed;

  SocketFd(int fd) {
    this.fd = fd;
  }

  final synchronized boolean isClosed() {
    return closed;
  }

  /** Releases the descriptor and the memory; call when no thread is inside a call on it. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Sockets.close(fd);
      arena.close();
    }
  }
}
