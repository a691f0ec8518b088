package jfunc.minion.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One jfuncd per minion folder ({@code STATE/minion/NAME}), held from start to exit. Two agents
 * on one folder would enrol twice, answer with one identity from two addresses, and share one
 * jobs status file (opened in the background at start). The lock is the kernel's, so
 * it goes away with the process, kill -9 included; the file keeps the holder's pid for the message.
 */
final class StateLock implements AutoCloseable {
    static final String FILE = "jfuncd.lock";

    private final FileChannel channel;

    private StateLock(FileChannel channel) {
        this.channel = channel;
    }

    /** The lock, or an exception whose message says who holds it. */
    static StateLock acquire(Path minionDir) throws IOException {
        Files.createDirectories(minionDir);
        Path file = minionDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException inThisProcess) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
            channel.close();
            throw new IOException("another jfuncd" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                    + " already runs on " + minionDir + "; stop it, or give this one its own --state-dir or --name");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        return new StateLock(channel);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
