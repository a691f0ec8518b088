/**
 * The service's heartbeat: a {@code test.ping} to every minion of the inventory once per
 * heartbeat_interval, spread over the interval in small batches (not a burst), with a bounded
 * number of batches in flight. It keeps, per minion, when it last answered and its round-trip
 * time ({@link jfunc.overlord.Liveness}); these pings are not jobs. Used by the service only.
 *
 * <p>Threads: one {@code service-heartbeat} loop, at most {@link jfunc.overlord.heartbeat.Heartbeat#MAX_BATCHES}
 * {@code service-heartbeat-ping-N} threads; the results map is concurrent, readers never wait.
 */
package jfunc.overlord.heartbeat;
