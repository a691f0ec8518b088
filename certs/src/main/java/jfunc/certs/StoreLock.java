package jfunc.certs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises changes to one CA store: across processes (the CLI and {@code serve}) with an OS
 * lock on {@code STATE/ca/.lock}, and across threads of one JVM with a lock per store, because
 * the OS lock belongs to the whole process (a second FileChannel.lock in the same JVM throws).
 * Reentrant: a thread that holds it may take it again.
 */
final class StoreLock {
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantLock threads;
    private FileChannel channel;
    private FileLock osLock;

    StoreLock(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.threads = IN_PROCESS.computeIfAbsent(this.file, f -> new ReentrantLock());
    }

    /** Holds the lock until the returned handle is closed. */
    Held acquire() throws IOException {
        threads.lock();
        if (threads.getHoldCount() == 1) {
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                osLock = channel.lock();
            } catch (IOException | RuntimeException e) {
                closeChannel();
                threads.unlock();
                throw new IOException("cannot lock " + file + ": " + e.getMessage(), e);
            }
        }
        return this::release;
    }

    private void release() {
        if (threads.getHoldCount() == 1) {
            closeChannel();
        }
        threads.unlock();
    }

    private void closeChannel() {
        try {
            if (osLock != null) {
                osLock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // closing the channel releases the lock in any case
        }
        osLock = null;
        channel = null;
    }

    /** A held lock; closing it releases. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
