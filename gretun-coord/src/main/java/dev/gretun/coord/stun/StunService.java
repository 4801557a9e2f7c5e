package dev.gretun.coord.stun;

/** The coordinator's STUN server as the rest of the coordinator sees it: counters and close. */
public interface StunService extends AutoCloseable {
  long answered();

  long dropped();

  @Override
  void close();

  /** STUN disabled ({@code --stun-listen off}). */
  StunService OFF =
      new StunService() {
        @Override
        public long answered() {
          return 0;
        }

        @Override
        public long dropped() {
          return 0;
        }

        @Override
        public void close() {}
      };
}
