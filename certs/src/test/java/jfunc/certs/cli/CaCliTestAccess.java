package jfunc.certs.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** Lets tests in other packages run jfunc-ca in-process with its output discarded. */
public final class CaCliTestAccess {
    private CaCliTestAccess() {}

    public static int run(String... args) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        return CaCli.run(sink, sink, args);
    }
}
