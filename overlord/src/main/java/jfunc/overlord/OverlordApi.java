package jfunc.overlord;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionJob;

/**
 * The overlord as one caller (the {@code jfunc} CLI, a script) sees it: select minions, call
 * them, and run, follow, list and purge jobs. One interface, two implementations: embedded
 * ({@link #embedded}: identity, TLS and the job store in this process) and the client of a
 * running {@code jfunc-overlord} service. Output of the same call is the same either way.
 *
 * <p>Implementations open what they need on first use: a ping never opens the job store, a
 * FINISHED job's status never builds a TLS context. Every method may throw
 * {@link ConfigException} (a missing identity or inventory file: exit 2) and
 * {@link jfunc.overlord.jobs.JobStoreException}. Thread-safe; {@link #close()} releases what was
 * opened.
 */
public interface OverlordApi extends AutoCloseable {
    /** The in-process overlord of {@code state}; {@code limits} bound its fan-outs. */
    static OverlordApi embedded(StateDir state, FanOut.Limits limits) {
        return new EmbeddedOverlord(state, limits);
    }

    /**
     * The in-process overlord of the service: as {@link #embedded}, but the job store is opened
     * once and held, locked, until {@link #close()}: while it runs, this process is its only
     * writer (embedded processes that need it are refused with a message). {@code storeTimer}
     * (may be null) hears how long each store operation took.
     */
    /*
     * {@code store}: a store already open (the service opens a PostgreSQL store at start), or null: opened on first
     * need; {@code share}: the minions this service submits to and polls when several share the store (null: all).
     */
    static OverlordApi storeOwner(StateDir state, FanOut.Limits limits, jfunc.overlord.jobs.JobStore.Timer storeTimer,
                                  jfunc.overlord.jobs.JobStore store, java.util.function.Predicate<String> share) {
        return new EmbeddedOverlord(state, limits, true, storeTimer, store, share);
    }

    /**
     * Re-reads what {@code api} holds (see {@link #embedded}): the inventory, keeping warm
     * connections; with {@code everything} also identity and CRL (the old fan-out is closed after
     * {@code grace}); {@code limits}, when not null, replace the fan-out limits (with
     * {@code everything}). Does nothing for other implementations.
     */
    static void reload(OverlordApi api, boolean everything, Duration grace, FanOut.Limits limits) throws ConfigException {
        if (api instanceof EmbeddedOverlord e) {
            e.reload(everything, grace, limits);
        }
    }

    /**
     * {idle pooled connections to minions now, TLS handshakes since start} of an in-process
     * overlord (metrics); null for other implementations.
     */
    static long[] transport(OverlordApi api) {
        return api instanceof EmbeddedOverlord e ? e.transport() : null;
    }

    /**
     * Deletes the FINISHED jobs submitted before {@code cutoff} (the service's job_retention);
     * unfinished ones stay. Through another implementation: {@link #purge}.
     */
    static int purgeFinished(OverlordApi api, Instant cutoff) throws ConfigException {
        if (api instanceof EmbeddedOverlord e) {
            return e.purgeFinished(cutoff);
        }
        return api.purge(cutoff);
    }

    /**
     * The overlord for a command line: the running service of {@code state} when its socket
     * answers and {@code useService}, else embedded. A socket file nobody listens on (a stale
     * socket) means embedded, and {@code notes} hears one line about it.
     */
    static OverlordApi open(StateDir state, FanOut.Limits limits, boolean useService,
                            java.util.function.Consumer<String> notes) {
        if (useService) {
            try {
                OverlordApi service = jfunc.overlord.service.ServiceClient.connect(state, limits);
                if (service != null) {
                    return service;
                }
            } catch (jfunc.overlord.service.ServiceClient.Stale e) {
                notes.accept("note: " + e.getMessage() + "; running embedded");
            }
        }
        return embedded(state, limits);
    }

    /**
     * A call recorded as a job (the service's sync calls): waits up to {@code wait} for the
     * answers, returns what came with the job id and the minions still running; their answers
     * are recorded until {@code late} after the call started. {@code listener} hears of each call
     * as it starts and ends. With a {@code batch} (null: none), {@code wait} is per batch.
     */
    static CallResult recordedCall(OverlordApi api, Selection selection, MethodCall call, Duration wait, Duration late,
                                   FanOutListener listener, Batch batch) throws ConfigException {
        if (api instanceof EmbeddedOverlord e) {
            return e.recordedCall(selection, call, wait, late, listener, batch);
        }
        return api.call(selection, call, wait, listener, batch);
    }

    /**
     * One call per minion of {@code selection}'s known minions, each the one {@code calls} makes
     * for it (file transfers: each minion's own offset), as a rolling {@code batch} (null: none);
     * results in the order of {@code selection.minions()}. In-process overlords only (the data of
     * a transfer goes straight to the minions): UnsupportedOperationException for the service's client.
     */
    static CallResult callEach(OverlordApi api, Selection selection, java.util.function.Function<MinionAddress, MethodCall> calls,
                               Duration timeout, Batch batch) throws ConfigException {
        if (api instanceof EmbeddedOverlord e) {
            return e.callEach(selection, calls, timeout, batch);
        }
        throw new UnsupportedOperationException("one call per minion runs in-process only");
    }

    /** The service went away in the middle of an operation (stopped, killed); the message says how to go on. */
    final class ServiceGone extends RuntimeException {
        public ServiceGone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The service's job store could not be used; {@link #retry()}: busy or I/O (exit 1), else corrupted or newer (exit 2). */
    final class StoreUnavailable extends RuntimeException {
        private final boolean retry;

        public StoreUnavailable(String message, boolean retry) {
            super(message);
            this.retry = retry;
        }

        public boolean retry() {
            return retry;
        }
    }

    /** What {@link #submit} did: the job as stored after the fan-out, and each minion's outcome in target order. */
    record Submitted(JobSummary summary, List<MinionJob> minions) {
        public Submitted {
            minions = List.copyOf(minions);
        }
    }

    /**
     * What {@link #cancel} did: the job as it then stands, what happened on each minion asked
     * (in job order: "cancelled ...", "already ... ; nothing changed", or why it could not be
     * cancelled), and whether the job had already FINISHED (then nothing was asked or changed).
     */
    record Cancelled(Job job, Map<String, String> minions, boolean alreadyFinished) {
        public Cancelled {
            minions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(minions));
        }
    }

    /** Hears of each minion of a job as it becomes done (FINISHED, REMOTE_ERROR, LOST); must not block. */
    @FunctionalInterface
    interface JobProgress {
        void done(MinionJob minion);
    }

    /**
     * Parses and resolves a target for a call: checks the target's syntax, then that this
     * overlord can call at all (its identity), then resolves the target. No minion is called.
     */
    Selection select(String target) throws TargetException, NoMatchException, ConfigException;

    /** The minions {@code target} selects, for listing them: needs the inventory only, no identity. */
    Selection minions(String target) throws TargetException, NoMatchException, ConfigException;

    /**
     * Calls {@code call} on every minion of {@code selection} and waits for each outcome, at most
     * {@code timeout} after its call started (null: the timeout of the limits). Names not in the
     * inventory are answered UNREACHABLE in their place, in target order.
     */
    default CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener)
            throws ConfigException {
        return call(selection, call, timeout, listener, null);
    }

    /**
     * As {@link #call(Selection, MethodCall, Duration, FanOutListener)}, as a rolling
     * {@code batch} (null: none): at most {@link Batch#width} minions at once, each with
     * {@code timeout}; once its failure limit is reached the minions not started yet are answered
     * NOT_STARTED with the reason.
     */
    CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener, Batch batch)
            throws ConfigException;

    /**
     * As {@link #call(Selection, MethodCall, Duration, FanOutListener, Batch)}; {@code merge} false
     * ({@code --no-merge}) keeps the service from answering it with an identical call in flight
     * (merged requests, for methods the minions declare read-only). In-process it changes nothing.
     */
    default CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener, Batch batch,
                            boolean merge) throws ConfigException {
        return call(selection, call, timeout, listener, batch);
    }

    /**
     * Starts {@code call} as one job on every minion of {@code selection}. A minion that cannot be
     * reached or does not answer in time keeps being re-sent the same submission until
     * {@code deadline} (null: none).
     */
    default Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener)
            throws ConfigException {
        return submit(selection, call, deadline, listener, null);
    }

    /**
     * As {@link #submit(Selection, MethodCall, Instant, FanOutListener)}, as a rolling
     * {@code batch} (null: none): the first {@link Batch#width} minions get the job now, the
     * others are WAITING and are submitted as minions finish, by whoever follows the job: the
     * service. An embedded overlord refuses a batch (ConfigException: it needs the service).
     */
    Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener, Batch batch)
            throws ConfigException;

    /** The jobs as stored, without asking any minion (unknown ids are left out). */
    Map<String, Job> jobs(List<String> ids) throws ConfigException;

    /** The jobs with fresh news from their unfinished minions (unknown ids are left out). */
    Map<String, Job> status(List<String> ids) throws ConfigException;

    /**
     * Waits up to {@code timeout} for job {@code id} to finish; {@code progress} hears of each
     * minion as it becomes done. Returns the job as it then stands; IllegalArgumentException for
     * an unknown id.
     */
    Job await(String id, Duration timeout, JobProgress progress) throws ConfigException;

    /**
     * Cancels job {@code id} on the minions of it that {@code minions} names (names or globs; empty:
     * all): each minion still running it gets {@code jobs.cancel} (its process tree is killed) and
     * is recorded CANCELLED; minions not submitted yet (waiting for a batch or a re-send) are
     * CANCELLED without a call; done ones are left as they are. IllegalArgumentException for an
     * unknown id or a name the job does not have.
     */
    Cancelled cancel(String id, List<String> minions) throws ConfigException;

    /** Summaries newest first: before {@code beforeId} (null: newest), in {@code state} (null: any), at most {@code limit}. */
    List<JobSummary> list(JobState state, String beforeId, int limit) throws ConfigException;

    /**
     * What the service's heartbeat knows of these minions (each name present; never-seen ones
     * all null), or null when no heartbeat runs here (embedded: there is no service to ping).
     */
    default Map<String, Liveness> liveness(List<String> names) throws ConfigException {
        return null;
    }

    /** Deletes the jobs submitted before {@code cutoff} (except one still being submitted); returns how many. */
    int purge(Instant cutoff) throws ConfigException;

    @Override
    void close();
}
