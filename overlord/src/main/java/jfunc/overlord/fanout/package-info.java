/**
 * Making a stuck call abortable. Implementation detail of {@link jfunc.overlord.FanOut}.
 *
 * <p>Why: a socket only has a per-read timeout, so a peer that trickles a byte now and then, or a
 * DNS or TLS stall, could hold a fork for ever. The RPC client makes each connection's TCP socket
 * with {@link jfunc.overlord.fanout.AbortableSockets} (TLS is layered on top); its connect and
 * each read and write record the socket in the calling thread's
 * {@link jfunc.overlord.fanout.CallScope}. When a minion's deadline passes, the fan-out's watchdog
 * aborts that scope: it closes the TCP sockets, and the blocked read fails at once. Before the
 * client keeps a connection for another call, its socket leaves the scope
 * ({@link jfunc.common.rpc.RpcClient.PooledSocket}), atomically with respect to the abort: a late
 * deadline cannot close a socket another call is using, and an aborted call's connection is
 * closed instead of kept.
 *
 * <p>Threads and locks: a scope is opened and closed by the fork thread that runs the call; the
 * watchdog thread only calls {@link jfunc.overlord.fanout.CallScope#abort()}. A scope's monitor
 * guards its socket set and is never held while doing I/O other than {@code close()}.
 */
package jfunc.overlord.fanout;
