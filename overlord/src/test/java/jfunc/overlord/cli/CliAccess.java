package jfunc.overlord.cli;

/** The in-process CLI for tests of other packages: its stdout, failing on a non-zero exit. */
public final class CliAccess {
    private CliAccess() {}

    public static String jfunc(String... args) {
        CliTest.Run r = CliTest.jfunc(args);
        if (r.code() != 0) {
            throw new AssertionError("exit " + r.code() + ": " + r.err() + r.out());
        }
        return r.out();
    }
}
