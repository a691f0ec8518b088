/**
 * The overlord library: pick minions with a {@link jfunc.overlord.Target}, call a method on each
 * through a bounded {@link jfunc.overlord.FanOut}, get one {@link jfunc.overlord.MinionResult}
 * per minion in a {@link jfunc.overlord.CallResult}.
 *
 * <pre>{@code
 * try (Overlord overlord = Overlord.open(StateDir.resolve(null), FanOut.Limits.defaults())) {
 *     CallResult r = overlord.call("web*;db1", "command.run", "uptime");
 *     for (MinionResult m : r.results()) { ... m.ok() ? m.value() : m.error() ... }
 * }
 * }</pre>
 *
 * <p>{@link jfunc.overlord.OverlordApi} is what the {@code jfunc} CLI codes against: select, call,
 * and the job operations (submit, status, await, list, purge), embedded in the process or, later,
 * through a running service.
 *
 * <p>This package is the public API: the {@code jfunc} CLI uses nothing else of the overlord.
 * Sub-packages ({@code fanout}, {@code inventory}, {@code internal}, {@code json}, {@code cli})
 * are implementation detail; their public types are public only so that this package can use
 * them. The overlord never links minion or CA code: it reads the CA's record files and speaks the
 * wire protocol of {@code docs/PROTOCOL.md}.
 */
package jfunc.overlord;
