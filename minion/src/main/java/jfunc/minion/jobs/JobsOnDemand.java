package jfunc.minion.jobs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Jobs whose status file is opened (recovered, purged) on the first {@code jobs.*} or
 * {@code async.*} call instead of at start. Why: MapDB and what it pulls in (Kotlin, Eclipse
 * Collections, Guava, Elsa: about 500 classes) cost an idle minion about 14 MB of its 75 MB RSS,
 * and a minion that is never asked for jobs needs none of it. Nothing a client sees changes:
 * every jobs call goes through {@link #get}, which recovers first. An existing status file is
 * locked from start until MapDB takes it over, so that a second jfuncd on the same state dir
 * still stops at start.
 */
public final class JobsOnDemand implements AutoCloseable {
    private final Path file;
    private final JobLimits limits;
    private final CallRunner calls;
    private final Clock clock;
    private FileChannel heldChannel;
    private volatile Jobs jobs;
    private boolean closed;

    JobsOnDemand(Path file, JobLimits limits, CallRunner calls, Clock clock) throws StatusFile.StatusFileException {
        this.file = file;
        this.limits = limits;
        this.calls = calls;
        this.clock = clock;
        holdLock();
    }

    /** The open jobs, opening the status file first if needed; a fault when it cannot be opened. */
    Jobs get() throws XmlRpcException {
        Jobs open = jobs;
        if (open != null) {
            return open;
        }
        synchronized (this) {
            if (closed) {
                throw new XmlRpcException(Faults.UNAVAILABLE, "the minion is stopping");
            }
            if (jobs == null) {
                releaseLock(); // MapDB takes its own lock on the file
                try {
                    jobs = Jobs.open(file, limits, calls, clock);
                } catch (StatusFile.StatusFileException e) {
                    throw new XmlRpcException(Faults.UNAVAILABLE, e.getMessage());
                }
            }
            return jobs;
        }
    }

    /** The jobs if the status file is open, else null. */
    Jobs ifOpen() {
        return jobs;
    }

    /** jobs.wait calls blocked right now. */
    int waiting() {
        Jobs open = jobs;
        return open == null ? 0 : open.waiting();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (jobs != null) {
            jobs.close();
        }
        releaseLock();
    }

    /** Locks an existing status file the way MapDB does, so that another process cannot open it meanwhile. */
    private void holdLock() throws StatusFile.StatusFileException {
        if (!Files.exists(file)) {
            return; // no jobs yet: nothing to recover; created on first use
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException inThisProcess) {
                lock = null;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw StatusFile.locked(file, null);
            }
            heldChannel = channel;
        } catch (IOException e) {
            if (e instanceof StatusFile.StatusFileException sfe) {
                throw sfe;
            }
            throw new StatusFile.StatusFileException("cannot open status file " + file + ": " + e.getMessage(), e);
        }
    }

    private void releaseLock() {
        if (heldChannel != null) {
            try {
                heldChannel.close(); // releases the lock
            } catch (IOException ignored) {
                // closing a read channel; nothing to recover
            }
            heldChannel = null;
        }
    }
}
