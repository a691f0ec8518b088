package jfunc.overlord.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jfunc.common.Config.ConfigException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.MinionJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's own follow-up of unfinished jobs: one watch per job, running the job flow's
 * await (one long poll per pending minion, re-submissions on their backoff) until the job is
 * FINISHED, however many clients wait on it. Clients wait on the watch, not on minions: 100
 * CLIs waiting on one job cost one set of long polls. {@link #adoptUnfinished} starts watches
 * for jobs nobody waits on (after a restart, they resume where the store left them).
 */
final class JobWatches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWatches.class);
    /** One await round of a watch; it starts the next until the job is FINISHED. */
    static final Duration ROUND = Duration.ofSeconds(60);

    /** With several services sharing the store: a round this short, so a share taken over is polled soon. */
    static final Duration SHARED_ROUND = Duration.ofSeconds(5);

    private final OverlordApi api;
    private final Duration round;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "job-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    JobWatches(OverlordApi api) {
        this(api, ROUND);
    }

    JobWatches(OverlordApi api, Duration round) {
        this.api = api;
        this.round = round;
    }

    /** Minions that became done, as the watch heard of them (they reach the store in batches). */
    private static final class Watch {
        final Map<String, MinionJob> done = new ConcurrentHashMap<>();
        volatile boolean over;
        /** Another service changed the job in the shared store (NOTIFY): waiters read it again. */
        long pokes;
    }

    /**
     * News of job {@code id} from another service sharing the store: its waiters read the store
     * again; an unfinished job this service does not follow yet is followed from now (its share of it).
     */
    void news(String id, JobState state) {
        Watch w = watches.get(id);
        if (w != null) {
            synchronized (w) {
                w.pokes++;
                w.notifyAll();
            }
        } else if (state != JobState.FINISHED && !closed) {
            watch(id);
        }
    }

    /** After news may have been missed (the database restarted): every waiter reads the store again. */
    void pokeAll() {
        for (Watch w : watches.values()) {
            synchronized (w) {
                w.pokes++;
                w.notifyAll();
            }
        }
    }

    /** How many jobs are watched now (a metric). */
    int watched() {
        return watches.size();
    }

    /**
     * The job once some minion outside {@code known} is done, the job is FINISHED, or {@code wait}
     * passes; IllegalArgumentException for an unknown id.
     */
    Job awaitNews(String id, Set<String> known, Duration wait) throws ConfigException {
        long end = System.nanoTime() + wait.toNanos();
        Job job = stored(id);
        if (news(job, known) || wait.isZero()) {
            return job;
        }
        Watch w = watch(id);
        long seen;
        synchronized (w) {
            seen = w.pokes;
        }
        synchronized (w) {
            while (true) {
                if (w.pokes != seen) {
                    seen = w.pokes;
                    job = stored(id);
                }
                Job merged = merge(job, w);
                if (news(merged, known) || w.over) {
                    return w.over ? stored(id) : merged;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return merged;
                }
                try {
                    w.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return merged;
                }
            }
        }
    }

    /** Follows job {@code id} until it is FINISHED (a job just submitted: its re-submissions start now). */
    void follow(String id) {
        if (!closed) {
            watch(id);
        }
    }

    /** Starts a watch for every unfinished job in the store (at start, then now and then). */
    void adoptUnfinished() {
        try {
            for (JobState s : List.of(JobState.PARTIAL, JobState.INCOMPLETE)) {
                api.list(s, null, 1000).forEach(j -> watch(j.id()));
            }
        } catch (Exception e) {
            log.warn("cannot list unfinished jobs: {}", e.toString());
        }
    }

    private Job stored(String id) throws ConfigException {
        Job job = api.jobs(List.of(id)).get(id);
        if (job == null) {
            throw new IllegalArgumentException("no job " + id + " in the job store (purged, or made by another state dir?)");
        }
        return job;
    }

    private static boolean news(Job job, Set<String> known) {
        if (job.state() == JobState.FINISHED) {
            return true;
        }
        for (MinionJob m : job.minions()) {
            if (m.state().isDone() && !known.contains(m.minion())) {
                return true;
            }
        }
        return false;
    }

    private static Job merge(Job job, Watch w) {
        if (w.done.isEmpty()) {
            return job;
        }
        List<MinionJob> minions = new ArrayList<>(job.minions().size());
        for (MinionJob m : job.minions()) {
            MinionJob d = w.done.get(m.minion());
            minions.add(d != null && !m.state().isDone() ? d : m);
        }
        return new Job(job.summary(), minions);
    }

    private Watch watch(String id) {
        if (closed) {
            throw new IllegalStateException("the service is stopping");
        }
        return watches.computeIfAbsent(id, k -> {
            Watch w = new Watch();
            threads.execute(() -> run(k, w));
            return w;
        });
    }

    private void run(String id, Watch w) {
        try {
            while (!closed) {
                Job j = api.await(id, round, m -> {
                    synchronized (w) {
                        w.done.put(m.minion(), m);
                        w.notifyAll();
                    }
                });
                if (j.state() == JobState.FINISHED) {
                    break;
                }
            }
        } catch (Exception e) {
            log.warn("following job {} stopped: {}", id, e.toString());
        } finally {
            watches.remove(id);
            synchronized (w) {
                w.over = true;
                w.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        threads.shutdownNow();
    }
}
