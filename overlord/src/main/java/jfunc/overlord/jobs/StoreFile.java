package jfunc.overlord.jobs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The job store's file: locking it against other processes, refusing a file that is not a
 * store of ours (or is from a newer jfunc) before anything is written, and one
 * open → work → commit → close section at a time.
 */
final class StoreFile {
    static final int FORMAT = 1;
    private static final String FORMAT_KEY = "format";
    /** The first bytes of a MapDB 3 file store with a write-ahead log ('J', store type, no features). */
    private static final byte[] MAPDB_HEADER = {0x4a, 0x03, 0, 0, 0, 0, 0, 0};
    private static final long MAPDB_INCREMENT = 1 << 20;
    private static final long LOCK_POLL_MILLIS = 20;

    private final Path file;
    private final Duration lockWait;
    private final boolean hold;
    /** Held mode: the open store and its lock, from the first section to {@link #close()}. */
    private DB held;
    private FileChannel heldChannel;
    private FileLock heldLock;

    StoreFile(Path file, Duration lockWait) {
        this(file, lockWait, false);
    }

    /**
     * With {@code hold}, the first section takes the lock and opens the store, and both are kept
     * until {@link #close()}: each section then only commits (the service, the store's one owner).
     * Callers run sections one at a time.
     */
    StoreFile(Path file, Duration lockWait, boolean hold) {
        this.file = file;
        this.lockWait = lockWait;
        this.hold = hold;
    }

    /** Held mode: closes the store and lets go of its lock (nothing if it was never opened). */
    void close() {
        if (held != null) {
            try {
                held.close();
            } catch (RuntimeException e) {
                // closing anyway; the write-ahead log keeps the last commit
            }
            held = null;
        }
        if (heldChannel != null) {
            try {
                heldChannel.close(); // releases the lock too
            } catch (IOException e) {
                // closing anyway
            }
            heldChannel = null;
            heldLock = null;
        }
    }

    private <T> T runHeld(Function<DB, T> body) {
        if (held == null) {
            Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
            try {
                Files.createDirectories(file.getParent());
                if (heldChannel == null) {
                    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    long deadline = System.nanoTime() + lockWait.toNanos();
                    FileLock lock;
                    while ((lock = channel.tryLock()) == null) {
                        if (System.nanoTime() > deadline) {
                            channel.close();
                            throw busy(null);
                        }
                        Thread.sleep(LOCK_POLL_MILLIS);
                    }
                    heldChannel = channel;
                    heldLock = lock;
                }
            } catch (IOException e) {
                throw new JobStoreException(JobStoreException.Reason.IO, file, "cannot lock " + lockFile + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobStoreException(JobStoreException.Reason.IO, file, "interrupted while waiting for " + lockFile, e);
            }
            DB db = open(Math.max(1, lockWait.toMillis()));
            try {
                checkFormat(db);
                db.commit();
            } catch (RuntimeException e) {
                db.close();
                throw mapped(e);
            }
            held = db;
        }
        try {
            T result = body.apply(held);
            held.commit();
            return result;
        } catch (RuntimeException e) {
            try {
                held.rollback(); // all or nothing, as a section that is closed without a commit
            } catch (RuntimeException again) {
                close(); // the next section opens it afresh
            }
            if (e instanceof DBException) {
                close();
            }
            throw mapped(e);
        }
    }

    private RuntimeException mapped(RuntimeException e) {
        if (e instanceof RecordCodec.FormatException f) {
            return unreadable(f.newer, f.getMessage(), f);
        }
        if (e instanceof DBException.DataCorruption || e instanceof DBException.VolumeEOF
                || e instanceof DBException.WrongFormat) {
            return unreadable(false, e.getMessage(), e);
        }
        if (e instanceof DBException) {
            return new JobStoreException(JobStoreException.Reason.IO, file,
                    "job store " + file + " failed: " + e + " (nothing was changed)", e);
        }
        return e;
    }

    /**
     * Holds {@code jobs.db.lock} (an OS file lock, waited for up to the lock wait) around the whole
     * section, so another process never sees the store half-created, nor the shape check races a
     * writer; MapDB's own lock stays as a second guard.
     */
    <T> T run(Function<DB, T> body) {
        if (hold) {
            return runHeld(body);
        }
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                long deadline = System.nanoTime() + lockWait.toNanos();
                FileLock lock;
                while ((lock = channel.tryLock()) == null) {
                    if (System.nanoTime() > deadline) {
                        throw busy(null);
                    }
                    Thread.sleep(LOCK_POLL_MILLIS);
                }
                try {
                    return openAndRun(body, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new JobStoreException(JobStoreException.Reason.IO, file, "cannot lock " + lockFile + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobStoreException(JobStoreException.Reason.IO, file, "interrupted while waiting for " + lockFile, e);
        }
    }

    /** Open, check the format, run {@code body}, commit, close. */
    private <T> T openAndRun(Function<DB, T> body, long waitMillis) {
        DB db = open(waitMillis);
        try {
            T result = body.apply(checkFormat(db));
            db.commit();
            return result;
        } catch (RecordCodec.FormatException e) {
            throw unreadable(e.newer, e.getMessage(), e);
        } catch (DBException.DataCorruption | DBException.VolumeEOF | DBException.WrongFormat e) {
            throw unreadable(false, e.getMessage(), e);
        } catch (DBException e) {
            throw new JobStoreException(JobStoreException.Reason.IO, file,
                    "job store " + file + " failed: " + e + " (nothing was changed)", e);
        } finally {
            // Without a commit, closing drops what this section changed: all or nothing.
            db.close();
        }
    }

    private DB open(long waitMillis) {
        try {
            Files.createDirectories(file.getParent());
            checkShape();
        } catch (IOException e) {
            throw new JobStoreException(JobStoreException.Reason.IO, file, "cannot use " + file + ": " + e, e);
        }
        try {
            // mmap (unmapped again at close): 3-4x faster commits than RandomAccessFile here;
            // the write-ahead log still makes every commit all-or-nothing across a crash.
            return DBMaker.fileDB(file.toFile()).transactionEnable().fileMmapEnableIfSupported().cleanerHackEnable()
                    .fileLockWait(waitMillis).make();
        } catch (DBException.FileLocked e) {
            throw busy(e);
        } catch (DBException.VolumeIOError e) {
            if (e instanceof DBException.VolumeEOF || e.getCause() instanceof java.io.EOFException) {
                throw unreadable(false, "the file ends too early", e);
            }
            throw new JobStoreException(JobStoreException.Reason.IO, file, "cannot open job store " + file + ": " + (e.getCause() != null ? e.getCause() : e), e);
        } catch (DBException | IllegalStateException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw unreadable(false, e.getMessage(), e);
        }
    }

    /**
     * Refuses, before MapDB touches it, a file that cannot be a MapDB store: a memory-mapped open
     * would first grow it to the next MiB. Stores start with MapDB's header and grow by whole MiB.
     */
    private void checkShape() throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // a new store
        }
        if (size == 0) {
            return; // created but never written: MapDB starts it afresh
        }
        byte[] head = new byte[MAPDB_HEADER.length];
        try (var in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length || !java.util.Arrays.equals(head, MAPDB_HEADER)) {
                throw unreadable(false, "it does not start with a MapDB header", null);
            }
        }
        if (size % MAPDB_INCREMENT != 0) {
            throw unreadable(false, "its size " + size + " is not a whole number of MiB (truncated?)", null);
        }
    }

    /** Creates the maps of a new store; refuses a foreign, corrupted or newer one without writing. */
    private DB checkFormat(DB db) {
        if (!db.exists("meta")) {
            if (db.getAllNames().iterator().hasNext()) {
                throw unreadable(false, "not a jfunc job store", null);
            }
            BTreeMap<String, String> meta = db.treeMap("meta", Serializer.STRING, Serializer.STRING).create();
            meta.put(FORMAT_KEY, Integer.toString(FORMAT));
            return db;
        }
        String format = db.treeMap("meta", Serializer.STRING, Serializer.STRING).open().get(FORMAT_KEY);
        int version;
        try {
            version = Integer.parseInt(format == null ? "" : format);
        } catch (NumberFormatException e) {
            throw unreadable(false, "format version '" + format + "' is not a number", e);
        }
        if (version > FORMAT) {
            throw unreadable(true, "format " + version + ", this jfunc reads format " + FORMAT, null);
        }
        if (version < 1) {
            throw unreadable(false, "format version " + version, null);
        }
        return db;
    }

    private JobStoreException busy(Throwable cause) {
        return new JobStoreException(JobStoreException.Reason.BUSY, file, "job store " + file
                + " is busy (another jfunc is using it; waited " + lockWait.toMillis() + " ms) - retry", cause);
    }

    JobStoreException unreadable(boolean newer, String detail, Throwable cause) {
        String message = newer
                ? "job store " + file + " was written by a newer jfunc (" + detail + "); it was left unchanged:"
                    + " use that version, or move the file away to start a new store"
                : "job store " + file + " cannot be read (" + detail + "); it was left unchanged:"
                    + " move it away to start a new store";
        return new JobStoreException(newer ? JobStoreException.Reason.NEWER_VERSION : JobStoreException.Reason.CORRUPT,
                file, message, cause);
    }
}
