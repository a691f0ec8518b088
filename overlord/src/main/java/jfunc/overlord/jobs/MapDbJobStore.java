package jfunc.overlord.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import jfunc.common.Ids;
import jfunc.common.StateDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.Serializer;

/**
 * The job store in one MapDB file ({@code STATE/overlord/jobs.db}), always with transactions:
 * after a crash it holds exactly what was last committed.
 *
 * <p>Layout (keys are strings, values {@link RecordCodec} records):
 * <pre>
 * meta     format → "1"                                    the store's format version
 * jobs     job id → summary                                ids sort by time: newest first for free
 * minions  "job id" + ' ' + minion name → minion record     a job's minions are one key range
 * states   "STATE" + ' ' + job id                           index for {@code list --state}
 * calls    job id → the call's parameters                   to re-send a submission that did not arrive;
 *                                                            dropped once no minion awaits its submission
 * </pre>
 *
 * <p>Each method opens the file, works, commits and closes, so processes interleave (held, as
 * the service uses it: opened once, each method commits). MapDB
 * locks the file against a second open (from any process, and from this JVM): the sections of
 * one JVM run one at a time on a single store thread, other processes are waited for up to the
 * lock wait, then {@link JobStoreException.Reason#BUSY}.
 */
public final class MapDbJobStore implements JobStore {
    public static final String FILE_NAME = "jobs.db";
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(10);
    private static final int PURGE_BATCH = 500;
    /** Runs every critical section of this JVM, one at a time (see withStore). */
    private static final ExecutorService STORE_THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jfunc-job-store");
        t.setDaemon(true);
        return t;
    });

    private final Path file;
    private final StoreFile storeFile;

    public MapDbJobStore(Path file, Duration lockWait) {
        this(file, lockWait, false);
    }

    /**
     * With {@code hold}, the file is opened on first use and kept open, locked, until
     * {@link #close()}: no other process can use it meanwhile (the service owns its store).
     */
    public MapDbJobStore(Path file, Duration lockWait, boolean hold) {
        this.file = file.toAbsolutePath().normalize();
        this.storeFile = new StoreFile(this.file, lockWait, hold);
    }

    /** Closes a held store (after the sections already queued); nothing for a store opened per section. */
    @Override
    public void close() {
        try {
            STORE_THREAD.submit(storeFile::close).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // closing anyway
        }
    }

    /** The store of a state dir, with the default lock wait. */
    public static MapDbJobStore in(StateDir state) {
        return new MapDbJobStore(state.overlord().resolve(FILE_NAME), DEFAULT_LOCK_WAIT);
    }

    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return file.toString();
    }

    @Override
    public void create(Job job, List<Object> params) {
        withStore("create", s -> {
            createIn(s, List.of(job));
            if (params != null) {
                s.calls.put(job.id(), RecordCodec.encodeParams(params));
            }
            return null;
        });
    }

    @Override
    public Optional<List<Object>> params(String id) {
        return withStore("read", s -> Optional.ofNullable(s.calls.get(id)).map(RecordCodec::decodeParams));
    }

    /** Several new jobs in one critical section (imports, benchmarks); all or nothing. */
    void createAll(Collection<Job> jobs) {
        withStore("create", s -> {
            createIn(s, jobs);
            return null;
        });
    }

    private static void createIn(Session s, Collection<Job> jobs) {
        {
            for (Job job : jobs) {
                if (!Ids.isValid(job.id())) {
                    throw new IllegalArgumentException("malformed job id '" + job.id() + "'");
                }
                if (s.jobs.containsKey(job.id())) {
                    throw new IllegalArgumentException("job " + job.id() + " already exists");
                }
                Map<MinionState, Integer> counts = Job.countStates(job.minions());
                Submitter submitter = job.summary().submitter();
                for (MinionJob m : job.minions()) {
                    s.minions.put(minionKey(job.id(), m.minion()), RecordCodec.encodeMinion(m));
                }
                s.putSummary(job.summary().with(deriveState(submitter, counts), submitter, counts), null);
            }
        }
    }

    @Override
    public Optional<Job> get(String id) {
        return Optional.ofNullable(getAll(List.of(id)).get(id));
    }

    @Override
    public Map<String, Job> getAll(Collection<String> ids) {
        return withStore("read", s -> {
            Map<String, Job> out = new LinkedHashMap<>();
            for (String id : ids) {
                JobSummary summary = s.summary(id);
                if (summary != null) {
                    List<MinionJob> minions = new ArrayList<>(summary.minionCount());
                    for (byte[] record : s.minionRange(id).values()) {
                        minions.add(RecordCodec.decodeMinion(record));
                    }
                    out.put(id, new Job(s.effective(summary), minions));
                }
            }
            return out;
        });
    }

    @Override
    public JobSummary update(String id, Collection<MinionJob> minions, boolean submissionDone) {
        return withStore("update", s -> {
            JobSummary old = s.summary(id);
            if (old == null) {
                throw new IllegalArgumentException("no job " + id);
            }
            Map<MinionState, Integer> counts = new EnumMap<>(old.counts());
            for (MinionJob m : minions) {
                String key = minionKey(id, m.minion());
                byte[] before = s.minions.get(key);
                if (before == null) {
                    throw new IllegalArgumentException("minion " + m.minion() + " is not part of job " + id);
                }
                MinionState was = RecordCodec.decodeMinion(before).state();
                if (was.isDone()) {
                    continue; // a result is final: never overwritten by a late or concurrent poll
                }
                s.minions.put(key, RecordCodec.encodeMinion(m));
                counts.merge(was, -1, Integer::sum);
                counts.merge(m.state(), 1, Integer::sum);
            }
            counts.values().removeIf(n -> n == 0);
            if (StoreRules.nothingToSend(counts)) {
                s.calls.remove(id); // nothing left to re-send: do not keep the arguments (env values, say)
            }
            Submitter submitter = submissionDone ? null : old.submitter();
            JobSummary updated = old.with(deriveState(submitter, counts), submitter, counts);
            s.putSummary(updated, old.state());
            return s.effective(updated);
        });
    }

    @Override
    public List<JobSummary> list(JobState state, String beforeId, int limit) {
        return withStore("list", s -> {
            List<JobSummary> out = new ArrayList<>(Math.min(limit, 1000));
            if (state == null) {
                var newestFirst = beforeId == null ? s.jobs.descendingMap() : s.jobs.headMap(beforeId, false).descendingMap();
                for (byte[] record : newestFirst.values()) {
                    if (out.size() >= limit) {
                        break;
                    }
                    out.add(s.effective(RecordCodec.decodeSummary(record)));
                }
                return out;
            }
            // INCOMPLETE is a RUNNING job whose submitter is gone: scan the RUNNING index.
            JobState stored = state == JobState.INCOMPLETE ? JobState.RUNNING : state;
            String prefix = stored.name() + ' ';
            String upper = beforeId == null ? stored.name() + '!' : prefix + beforeId;
            for (String key : s.states.subSet(prefix, true, upper, false).descendingSet()) {
                if (out.size() >= limit) {
                    break;
                }
                JobSummary summary = s.summary(key.substring(prefix.length()));
                JobSummary shown = summary == null ? null : s.effective(summary);
                if (shown != null && shown.state() == state) {
                    out.add(shown);
                }
            }
            return out;
        });
    }

    @Override
    public int purge(Instant cutoff, boolean finishedOnly) {
        int total = 0;
        while (true) {
            // One batch per critical section, so a big purge does not lock others out.
            int purged = withStore("purge", s -> {
                List<String> old = new ArrayList<>();
                for (String id : s.jobs.keySet()) { // oldest first
                    if (old.size() >= PURGE_BATCH || !Ids.timeOf(id).isBefore(cutoff)) {
                        break;
                    }
                    JobState state = s.effective(s.summary(id)).state();
                    if (finishedOnly ? state == JobState.FINISHED : state != JobState.RUNNING) { // a live fan-out is kept
                        old.add(id);
                    }
                }
                for (String id : old) {
                    JobSummary summary = s.summary(id);
                    s.minionRange(id).clear();
                    s.states.remove(summary.state().name() + ' ' + id);
                    s.jobs.remove(id);
                    s.calls.remove(id);
                }
                return old.size();
            });
            total += purged;
            if (purged < PURGE_BATCH) {
                return total;
            }
        }
    }

    private static JobState deriveState(Submitter submitter, Map<MinionState, Integer> counts) {
        return StoreRules.derive(submitter, counts);
    }


    private static String minionKey(String jobId, String minion) {
        return jobId + ' ' + minion;
    }

    /** The open file and its maps, for one critical section. */
    private final class Session {
        final DB db;
        final BTreeMap<String, byte[]> jobs;
        final BTreeMap<String, byte[]> minions;
        final NavigableSet<String> states;
        final BTreeMap<String, byte[]> calls;

        Session(DB db) {
            this.db = db;
            this.jobs = db.treeMap("jobs", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
            this.minions = db.treeMap("minions", Serializer.STRING, Serializer.BYTE_ARRAY)
                    .valuesOutsideNodesEnable().createOrOpen();
            this.states = db.treeSet("states", Serializer.STRING).createOrOpen();
            this.calls = db.treeMap("calls", Serializer.STRING, Serializer.BYTE_ARRAY)
                    .valuesOutsideNodesEnable().createOrOpen();
        }

        private final StoreRules.Readers readers = new StoreRules.Readers();

        /** The summary as readers see it: INCOMPLETE when the submitting process is gone. */
        JobSummary effective(JobSummary s) {
            return readers.effective(s);
        }

        JobSummary summary(String id) {
            byte[] record = jobs.get(id);
            return record == null ? null : RecordCodec.decodeSummary(record);
        }

        void putSummary(JobSummary summary, JobState oldState) {
            if (oldState != summary.state()) {
                if (oldState != null) {
                    states.remove(oldState.name() + ' ' + summary.id());
                }
                states.add(summary.state().name() + ' ' + summary.id());
            }
            jobs.put(summary.id(), RecordCodec.encodeSummary(summary));
        }

        Map<String, byte[]> minionRange(String jobId) {
            // ' ' separates id and name; '!' is the next character, so this is exactly one job's range
            return minions.subMap(jobId + ' ', true, jobId + '!', false);
        }
    }

    private volatile Timer timer;

    @Override
    public void timed(Timer t) {
        timer = t;
    }

    private <T> T withStore(String operation, Function<Session, T> body) {
        long start = System.nanoTime();
        try {
            return withStore(body);
        } finally {
            Timer t = timer;
            if (t != null) {
                t.took(operation, System.nanoTime() - start);
            }
        }
    }

    private <T> T withStore(Function<Session, T> body) {
        // Every section runs on one thread of its own that nothing ever interrupts: an interrupt
        // in the middle of a file operation closes MapDB's channel under it and can leave a
        // half-written store. A caller that is interrupted keeps waiting, then sees its flag set.
        Future<T> result = STORE_THREAD.submit(() -> storeFile.run(db -> body.apply(new Session(db))));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
