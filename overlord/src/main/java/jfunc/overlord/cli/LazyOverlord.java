package jfunc.overlord.cli;

import java.util.function.Supplier;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.Overlord;

/**
 * The overlord, opened only when a job command really calls a minion (a FINISHED job never
 * does: no identity read, no TLS context built). Closes it if it was opened.
 */
final class LazyOverlord implements Supplier<Overlord>, AutoCloseable {
    private final StateDir state;
    private final Integer forks;
    private Overlord overlord;

    LazyOverlord(StateDir state, Integer forks) {
        this.state = state;
        this.forks = forks;
    }

    @Override
    public synchronized Overlord get() {
        if (overlord == null) {
            FanOut.Limits limits = FanOut.Limits.defaults();
            try {
                overlord = Overlord.open(state, forks == null ? limits : limits.withForks(forks));
            } catch (ConfigException e) {
                throw new ErrorReporter.UsageException(e.getMessage()); // still a configuration error: exit 2
            } catch (IllegalArgumentException e) {
                throw new ErrorReporter.UsageException(e.getMessage());
            }
        }
        return overlord;
    }

    @Override
    public synchronized void close() {
        if (overlord != null) {
            overlord.close();
        }
    }
}
