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

    public Path file() {
        return file;
    }
}
