package dev.gretun.core.peer;

/** An action for the peer with disco key {@code peer}. */
public record KeyedAction<K>(K peer, PeerAction action) {}
