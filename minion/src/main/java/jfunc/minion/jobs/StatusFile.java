package jfunc.minion.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import jfunc.common.job.JobRecord;
import jfunc.common.job.JobState;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minion's status file ({@code STATE/minion/NAME/status.db}): MapDB with transactions, so
 * that after {@code kill -9} the file holds exactly the last commit.
 *
 * <ul>
 *   <li>{@code jobs}: job id → {@link JobCodec} record, sorted by id (ids sort by time), values
 *       outside the B-tree nodes so that a state change rewrites one small record.
 *   <li>{@code requests}: caller and jobs.submit request_id ({@link JobRecord#claimKey}) → job id
 *       (idempotent submission, per caller).
 *   <li>{@code meta}: format version, creation time, highest purged id. Format 2 added the caller
 *       to records and claims; format 3 the CANCELLED state and its canceller. A format 1 or 2 file
 *       is read and becomes format 3 (format 1's old claims keep their bare request_id keys).
 * </ul>
 * The last 10,000 ended records written are also kept in memory ({@link RecentRecords}), so polls
 * for recent jobs need no MapDB read. Writes are write-behind ({@link WriteBehind}): {@link #put} and {@link #putNew} only note the
 * newest version in memory; the {@link GroupCommitter}'s thread writes the notes into MapDB and
 * commits. Reads see the notes first. Nothing is durable before the next commit ({@link #durable()}).
 *
 * <p>Opening recovers: every QUEUED or RUNNING record (the previous run died under it) becomes
 * LOST with a reason. A file that cannot be opened or read is moved aside to
 * {@code status.db.corrupt-<time>} and a fresh one is started ({@link #recoveryNotice()} says so);
 * a file locked by another process is an error, never moved.
 */
public final class StatusFile implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusFile.class);
    static final String FORMAT = "3";
    private static final java.util.Set<String> OLD_FORMATS = java.util.Set.of("1", "2");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** The status file cannot be used at all (locked by another process, or its folder is unusable). */
    public static final class StatusFileException extends IOException {
        StatusFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path file;
    private final DB db;
    private final BTreeMap<String, byte[]> jobs;
    private final ConcurrentMap<String, String> requests;
    private final ConcurrentMap<String, String> meta;
    private final GroupCommitter committer;
    private final WriteBehind notes = new WriteBehind();
    private final RecentRecords recent = new RecentRecords();
    private final String recoveryNotice;
    private final int markedLost;

    private StatusFile(Path file, DB db, Duration commitInterval, String recoveryNotice, Clock clock) {
        this.file = file;
        this.db = db;
        this.jobs = db.treeMap("jobs", Serializer.STRING, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.requests = db.hashMap("requests", Serializer.STRING, Serializer.STRING).createOrOpen();
        this.meta = db.hashMap("meta", Serializer.STRING, Serializer.STRING).createOrOpen();
        String format = meta.putIfAbsent("format", FORMAT);
        if (format != null && OLD_FORMATS.contains(format)) {
            meta.put("format", FORMAT);
        } else if (format != null && !FORMAT.equals(format)) {
            throw new NewerFormatException("format " + format + " (this jfuncd reads " + FORMAT + " and older: "
                    + String.join(", ", new java.util.TreeSet<>(OLD_FORMATS)) + ")");
        }
        meta.putIfAbsent("created", Long.toString(clock.millis()));
        this.markedLost = markInterruptedJobsLost(clock.millis());
        db.commit();
        this.recoveryNotice = recoveryNotice;
        this.committer = new GroupCommitter("status-commit", this::flushAndCommit, commitInterval);
    }

    /**
     * Opens (or creates) the status file, recovering as described above. Throws only when the
     * file is locked, written by a newer jfuncd, or its folder cannot be written. An
     * {@link Error} (out of memory, say) says nothing about the file: it is logged and rethrown,
     * and the file stays as it is.
     */
    public static StatusFile open(Path file, Duration commitInterval, Clock clock) throws StatusFileException {
        return open(file, commitInterval, clock, StatusFile::make);
    }

    /** How the MapDB file is made; tests put a failing one in its place. */
    @FunctionalInterface
    interface Maker {
        DB make(Path file);
    }

    static StatusFile open(Path file, Duration commitInterval, Clock clock, Maker maker) throws StatusFileException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new StatusFileException("cannot create the folder of status file " + file + ": " + e.getMessage(), e);
        }
        DB db = null;
        try {
            db = maker.make(file);
            return new StatusFile(file, db, commitInterval, null, clock);
        } catch (DBException.FileLocked e) {
            throw locked(file, e);
        } catch (NewerFormatException e) {
            closeQuietly(db);
            throw new StatusFileException("status file " + file + ": " + e.getMessage()
                    + "; run the newer jfuncd, or move the file away to start afresh", e);
        } catch (DBException | JobCodec.UnreadableRecordException e) {
            // the file itself is damaged: keep it for inspection and start afresh
            closeQuietly(db);
            Path aside = moveAside(file, clock, e);
            String notice = "status file " + file + " was unreadable (" + e + "); moved it to " + aside
                    + " and started a fresh one: jobs recorded before are unknown";
            log.warn(notice);
            try {
                return new StatusFile(file, maker.make(file), commitInterval, notice, clock);
            } catch (DBException.FileLocked again) {
                throw locked(file, again);
            } catch (RuntimeException fresh) {
                throw new StatusFileException("cannot create a fresh status file " + file + ": " + fresh, fresh);
            }
        } catch (RuntimeException | Error e) {
            // not the file's fault (out of memory, a bug): leave it as it is
            closeQuietly(db);
            log.error("status file {} could not be opened: {}; the file is left as it is", file, e.toString());
            throw e;
        }
    }

    /** A status file written by a newer jfuncd: refused, never moved aside. */
    private static final class NewerFormatException extends RuntimeException {
        NewerFormatException(String message) {
            super(message);
        }
    }

    static DB make(Path file) {
        return DBMaker.fileDB(file.toFile()).transactionEnable().make();
    }

    static StatusFileException locked(Path file, Exception e) {
        return new StatusFileException("status file " + file + " is in use (locked by another jfuncd process or"
                + " an open store in this one); stop the other minion with this name or choose another --state-dir", e);
    }

    private static Path moveAside(Path file, Clock clock, Throwable why) throws StatusFileException {
        String suffix = ".corrupt-" + STAMP.format(clock.instant());
        Path aside = file.resolveSibling(file.getFileName() + suffix);
        log.error("status file {} cannot be opened or read: {}; moving it aside to {}", file, why.toString(), aside);
        String base = file.getFileName().toString();
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(base) && !name.contains(".corrupt-")) {
                    // status.db → status.db.corrupt-T; status.db.wal.0 → status.db.corrupt-T.wal.0
                    Files.move(p, p.resolveSibling(base + suffix + name.substring(base.length())));
                }
            }
        } catch (IOException e) {
            throw new StatusFileException("status file " + file + " is unreadable and could not be moved aside: "
                    + e.getMessage(), e);
        }
        return aside;
    }

    private static void closeQuietly(DB db) {
        if (db != null) {
            try {
                db.close();
            } catch (RuntimeException | Error ignored) {
                // the open already failed; that failure is what gets reported
            }
        }
    }

    /** Reads every record (an unreadable one fails the open) and marks interrupted jobs LOST. */
    private int markInterruptedJobsLost(long now) {
        int lost = 0;
        for (Map.Entry<String, byte[]> e : jobs.entrySet()) {
            JobRecord r = JobCodec.decode(e.getValue());
            if (r.state() == JobState.RUNNING) {
                jobs.put(r.id(), JobCodec.encode(r.lost("minion restarted while the job was running (started "
                        + JobRecord.iso(r.started()) + ")", now)));
                lost++;
            } else if (r.state() == JobState.QUEUED) {
                jobs.put(r.id(), JobCodec.encode(r.lost("minion restarted before the job was recorded as started"
                        + " (submitted " + JobRecord.iso(r.submitted()) + "); it may have started", now)));
                lost++;
            }
        }
        if (lost > 0) {
            log.warn("status file {}: {} job(s) were queued or running when the minion stopped; marked LOST", file, lost);
        }
        return lost;
    }

    /** Why the store was started fresh, or null when the file opened normally. */
    public String recoveryNotice() {
        return recoveryNotice;
    }

    /** How many QUEUED/RUNNING records the open turned into LOST. */
    int markedLost() {
        return markedLost;
    }

    public Path path() {
        return file;
    }

    /** Writes a record; durable at the next commit. */
    void put(JobRecord r) {
        notes.note(r);
        committer.changed();
    }

    /**
     * Writes a new job's record and its request_id (if any) so that both become durable in the
     * same commit; if the request_id was claimed before, writes nothing and returns that job's id.
     */
    String putNew(JobRecord queued) {
        String earlier = notes.noteNew(queued, requests);
        if (earlier == null) {
            committer.changed();
        }
        return earlier;
    }

    /** The record, or null; throws {@link JobCodec.UnreadableRecordException} for a damaged one. */
    JobRecord get(String id) {
        JobRecord noted = notes.job(id);
        if (noted != null) {
            return noted;
        }
        JobRecord cached = recent.get(id);
        if (cached != null) {
            return cached;
        }
        byte[] b = jobs.get(id);
        return b == null ? null : JobCodec.decode(b);
    }

    /** Hears the duration (seconds) of every commit: write-out of the notes and fsync'd commit. */
    void onCommit(java.util.function.DoubleConsumer seconds) {
        committer.onCommit(seconds);
    }

    /** The committer's work: write the notes into MapDB, then commit. */
    private void flushAndCommit() {
        notes.writeInto(notes.snapshot(), jobs, requests, recent);
        db.commit();
    }

    /**
     * Up to {@code limit} records that {@code shown} accepts, newest first, with ids greater than
     * {@code afterId} (null: all).
     */
    List<JobRecord> newest(String afterId, int limit, Predicate<JobRecord> shown) {
        TreeMap<String, JobRecord> found = new TreeMap<>(Comparator.reverseOrder());
        NavigableMap<String, byte[]> view = afterId == null ? jobs : jobs.tailMap(afterId, false);
        for (Map.Entry<String, byte[]> e : view.descendingMap().entrySet()) {
            if (found.size() >= limit) {
                break;
            }
            try {
                JobRecord r = JobCodec.decode(e.getValue());
                if (shown.test(r)) {
                    found.put(e.getKey(), r);
                }
            } catch (JobCodec.UnreadableRecordException bad) {
                log.error("status file {}: skipping an unreadable record in a listing: {}", file, bad.getMessage());
            }
        }
        for (JobRecord noted : notes.jobs()) { // newer versions, and jobs not yet in MapDB
            if ((afterId == null || noted.id().compareTo(afterId) > 0) && shown.test(noted)) {
                found.put(noted.id(), noted);
            }
        }
        List<JobRecord> out = new ArrayList<>(found.values());
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    /** The job id a claim ({@link JobRecord#claimKey}) was first submitted as, or null. */
    String jobOfRequest(String claimKey) {
        String noted = notes.request(claimKey);
        return noted != null ? noted : requests.get(claimKey);
    }

    /**
     * Removes terminal jobs that finished before {@code cutoffMillis} (and their request ids).
     * Ids sort by submission time, so the walk stops at the first id submitted after the cutoff.
     */
    int purge(long cutoffMillis) {
        int removed = 0;
        String highest = null;
        for (Map.Entry<String, byte[]> e : jobs.entrySet()) {
            if (jfunc.common.Ids.isValid(e.getKey())
                    && jfunc.common.Ids.timeOf(e.getKey()).toEpochMilli() >= cutoffMillis) {
                break;
            }
            JobRecord r;
            try {
                r = JobCodec.decode(e.getValue());
            } catch (JobCodec.UnreadableRecordException bad) {
                r = null;
            }
            if (r == null || (r.state().isTerminal() && r.finished() < cutoffMillis)) {
                jobs.remove(e.getKey());
                recent.remove(e.getKey());
                if (r != null && r.requestId() != null) {
                    requests.remove(r.claimKey(), r.id());
                }
                highest = e.getKey();
                removed++;
            }
        }
        if (highest != null) {
            String before = meta.get("purged_through");
            if (before == null || before.compareTo(highest) < 0) {
                meta.put("purged_through", highest);
            }
            committer.changed();
        }
        return removed;
    }

    /** When this status file was created (epoch ms). */
    long created() {
        return Long.parseLong(meta.get("created"));
    }

    /** The highest job id ever purged, or null. */
    String purgedThrough() {
        return meta.get("purged_through");
    }

    int size() {
        return jobs.size() + (int) notes.jobs().stream().filter(r -> !jobs.containsKey(r.id())).count();
    }

    /** Completes once every write made before this call is committed. */
    CompletableFuture<Void> durable() {
        return committer.nextCommit();
    }

    /** Commits what changed and closes the file (releasing its lock). */
    @Override
    public void close() {
        committer.close();
        db.close();
    }
}
