package jfunc.overlord;

/**
 * Hears about each minion's call of a fan-out; the CLI draws its progress line from it.
 *
 * <p>Methods run on fan-out threads (several at once) and must be fast, must not block or take
 * locks shared with the caller, and must not throw: an exception is ignored. {@link #finished}
 * is called exactly once per minion, also for calls that were never started (the name was not in
 * the inventory) and for calls abandoned at their deadline.
 */
public interface FanOutListener {
    /** Listens to nothing. */
    FanOutListener NONE = new FanOutListener() {};

    /** The call to {@code minion} got a fork and starts now; its deadline runs from here. */
    default void started(MinionAddress minion) {}

    /** The minion's outcome is known (answer, error or deadline passed). */
    default void finished(MinionResult result) {}
}
