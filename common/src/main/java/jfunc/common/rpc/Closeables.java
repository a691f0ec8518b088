package jfunc.common.rpc;

import java.io.Closeable;
import java.io.IOException;

/** Closing on paths that are already giving a connection up, where a failure to close changes nothing. */
final class Closeables {
    private Closeables() {}

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }
}
