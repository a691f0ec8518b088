package jfunc.overlord.jobs;

import java.nio.file.Path;

/** The job store cannot be used; the message names the file and says what to do. */
public final class JobStoreException extends RuntimeException {
    /** What went wrong, so a CLI can pick its exit code. */
    public enum Reason {
        /** Another process held the store longer than the lock wait: retry. */
        BUSY,
        /** The file is not a readable jfunc job store. Nothing was changed. */
        CORRUPT,
        /** The file was written by a newer jfunc. Nothing was changed. */
        NEWER_VERSION,
        /** The database refused the login, or there is no such database (a setting to fix). */
        DENIED,
        /** Reading or writing failed (disk full, permissions, ...). */
        IO
    }

    private final Reason reason;
    private final Path file;

    JobStoreException(Reason reason, Path file, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.file = file;
    }

    public Reason reason() {
        return reason;
    }

    /** A store that is not a file (PostgreSQL): {@code file} is null, the message names the database. */
    JobStoreException(Reason reason, String message, Throwable cause) {
        this(reason, null, message, cause);
    }

    /** The store's file, or null for a database. */
    public Path file() {
        return file;
    }
}
