package jfunc.overlord;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.internal.OverlordFiles;
import jfunc.overlord.jobs.AsyncJobs;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobStore;
import jfunc.overlord.jobs.JobStores;
import jfunc.overlord.jobs.JobSummary;

/**
 * {@link OverlordApi} in this process. The inventory is read on the first {@link #select}, the
 * identity and TLS context on the first call that reaches a minion, the job store on the first
 * job operation: {@code ping} never loads MapDB, a FINISHED job's status never loads TLS.
 */
final class EmbeddedOverlord implements OverlordApi {
    private final StateDir state;
    private volatile FanOut.Limits limits;
    private Inventory inventory;
    private Overlord overlord;
    private AsyncJobs jobs;

    /** The service's: the job store held open, this process its only writer. */
    private final boolean ownsStore;

    EmbeddedOverlord(StateDir state, FanOut.Limits limits) {
        this(state, limits, false);
    }

    private final JobStore.Timer storeTimer;
    /** Handshakes of the fan-outs replaced by reloads, so that the count only grows. */
    private long handshakesBefore;

    EmbeddedOverlord(StateDir state, FanOut.Limits limits, boolean ownsStore) {
        this(state, limits, ownsStore, null);
    }

    /** A store the service opened at its start (PostgreSQL: a bad setting fails the start), or null: opened on first need. */
    private final JobStore opened;

    EmbeddedOverlord(StateDir state, FanOut.Limits limits, boolean ownsStore, JobStore.Timer storeTimer) {
        this(state, limits, ownsStore, storeTimer, null, null);
    }

    /** The minions this process sends to and polls (several services sharing a store), or null: all. */
    private final java.util.function.Predicate<String> share;

    EmbeddedOverlord(StateDir state, FanOut.Limits limits, boolean ownsStore, JobStore.Timer storeTimer, JobStore opened,
                     java.util.function.Predicate<String> share) {
        this.opened = opened;
        this.share = share;
        this.state = state;
        this.limits = limits;
        this.ownsStore = ownsStore;
        this.storeTimer = storeTimer;
    }

    @Override
    public Selection select(String target) throws TargetException, NoMatchException, ConfigException {
        Target.parse(target); // syntax errors first, before any file is read
        Selection selection = overlord().select(target);
        if (selection.minions().size() >= FanOut.FAST_EC_MIN_MINIONS) {
            // this process's choice of handshake crypto, made before its fan-out opens a connection
            // (jfunc-overlord made it at start: then this does nothing)
            jfunc.common.tls.TlsContexts.useFastEc();
        }
        return selection;
    }

    @Override
    public Selection minions(String target) throws TargetException, NoMatchException, ConfigException {
        Target.parse(target);
        return inventory().select(target);
    }

    @Override
    public CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener, Batch batch)
            throws ConfigException {
        return overlord().call(selection, call, timeout, listener, batch);
    }

    @Override
    public Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener, Batch batch)
            throws ConfigException {
        if (batch != null && !ownsStore) {
            throw new ConfigException("--batch with --async needs the service: the next minions are submitted as"
                    + " others finish, by jfunc-overlord (start it: jfunc-overlord --state-dir " + state.root()
                    + "), or drop --async for a rolling batch in this process");
        }
        return withConfig(() -> jobs().submit(selection, call, deadline, listener, batch));
    }

    @Override
    public Map<String, Job> jobs(List<String> ids) throws ConfigException {
        return jobs().store().getAll(ids);
    }

    @Override
    public Map<String, Job> status(List<String> ids) throws ConfigException {
        return withConfig(() -> jobs().status(ids));
    }

    @Override
    public Job await(String id, Duration timeout, JobProgress progress) throws ConfigException {
        return withConfig(() -> jobs().await(id, timeout, progress));
    }

    @Override
    public Cancelled cancel(String id, List<String> minions) throws ConfigException {
        return withConfig(() -> jobs().cancel(id, minions));
    }

    @Override
    public List<JobSummary> list(JobState state, String beforeId, int limit) throws ConfigException {
        return jobs().store().list(state, beforeId, limit);
    }

    @Override
    public int purge(Instant cutoff) throws ConfigException {
        return jobs().store().purge(cutoff);
    }

    /** See {@link OverlordApi#callEach}. */
    CallResult callEach(Selection selection, java.util.function.Function<MinionAddress, MethodCall> calls, Duration timeout,
                        Batch batch) throws ConfigException {
        FanOut f = overlord().fanOut();
        return f.call(selection.minions(), calls, timeout == null ? f.limits().timeout() : timeout, FanOutListener.NONE, batch);
    }

    /** See {@link OverlordApi#transport}. */
    synchronized long[] transport() {
        if (overlord == null) {
            return new long[] {0, handshakesBefore};
        }
        jfunc.common.rpc.RpcClient.ClientStats s = overlord.fanOut().transportStats();
        return new long[] {s.pooledConnections(), handshakesBefore + s.connectionsOpened()};
    }

    /** See {@link OverlordApi#purgeFinished}. */
    int purgeFinished(Instant cutoff) throws ConfigException {
        return jobs().store().purge(cutoff, true);
    }

    /** See {@link OverlordApi#recordedCall}. */
    CallResult recordedCall(Selection selection, MethodCall call, Duration wait, Duration late, FanOutListener listener,
                            Batch batch) throws ConfigException {
        Overlord o = overlord();
        return withConfig(() -> jobs().recordCall(o, selection, call, wait, late, listener, batch));
    }

    /**
     * Re-reads the inventory (CA records, overrides, groups) and keeps the warm connections; with
     * {@code everything}, also the identity and CRL: a new TLS context and fan-out, the old one
     * closed after {@code grace} so that calls running on it can end.
     */
    synchronized void reload(boolean everything, Duration grace, FanOut.Limits newLimits) throws ConfigException {
        Inventory inv = Inventory.load(state);
        if (newLimits != null) {
            limits = newLimits; // the next fan-out built uses them (everything: now)
        }
        inventory = inv;
        if (overlord == null) {
            return;
        }
        if (!everything) {
            overlord = overlord.withInventory(inv);
            return;
        }
        Overlord old = overlord;
        handshakesBefore += old.fanOut().transportStats().connectionsOpened();
        overlord = null;
        overlord();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            old.close();
        }, "close-old-fan-out");
        closer.setDaemon(true);
        closer.start();
    }

    @Override
    public synchronized void close() {
        if (overlord != null) {
            overlord.close();
        }
        if (jobs != null) {
            jobs.store().close();
        }
    }

    private synchronized Inventory inventory() throws ConfigException {
        if (inventory == null) {
            inventory = Inventory.load(state);
        }
        return inventory;
    }

    private synchronized Overlord overlord() throws ConfigException {
        if (overlord == null) {
            Inventory inv = inventory();
            try {
                overlord = Overlord.of(OverlordFiles.identity(state), OverlordFiles.trust(state), inv, limits);
            } catch (GeneralSecurityException e) {
                throw new ConfigException("cannot use the overlord's key and certificate in " + state.overlord()
                        + ": " + e.getMessage());
            }
        }
        return overlord;
    }

    private synchronized AsyncJobs jobs() throws ConfigException {
        if (jobs == null) {
            if (!ownsStore) {
                refuseWhileAServiceOwnsTheStore();
            }
            JobStore store = opened != null ? opened : JobStores.open(state, ownsStore);
            if (storeTimer != null) {
                store.timed(storeTimer);
            }
            jobs = new AsyncJobs(store, () -> {
                try {
                    return overlord();
                } catch (ConfigException e) {
                    throw new LateConfigError(e);
                }
            });
            if (share != null) {
                jobs.share(share);
            }
        }
        return jobs;
    }

    /**
     * While jfunc-overlord serves this state dir it is the only writer of its job store: an
     * embedded process (--no-service) that needs the store is told so at once, not after the
     * store's lock wait.
     */
    private void refuseWhileAServiceOwnsTheStore() throws ConfigException {
        Path lock = state.overlord().resolve(jfunc.overlord.service.OverlordService.LOCK);
        if (!Files.exists(lock)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock probe;
            try {
                probe = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                probe = null; // the service runs in this JVM
            }
            if (probe != null) {
                probe.release();
                return;
            }
        } catch (IOException e) {
            return; // cannot tell: the store's own lock still guards it
        }
        String pid;
        try {
            pid = Files.readString(lock).strip();
        } catch (IOException e) {
            pid = "";
        }
        throw new ConfigException("jfunc-overlord" + (pid.isEmpty() ? "" : " (pid " + pid + ")") + " serves "
                + state.root() + " and is the only writer of its job store: run job commands and --async calls"
                + " through it (without --no-service or JFUNC_SERVICE=off)");
    }

    /** A configuration problem found inside the job flow, which opens the overlord on first need. */
    private static final class LateConfigError extends RuntimeException {
        LateConfigError(ConfigException cause) {
            super(cause);
        }
    }

    private interface Body<T> {
        T run() throws ConfigException;
    }

    private static <T> T withConfig(Body<T> body) throws ConfigException {
        try {
            return body.run();
        } catch (LateConfigError e) {
            throw (ConfigException) e.getCause();
        }
    }
}
