package jfunc.common;

/** Exit codes of every jfunc program (DESIGN.md); documented in each --help. */
public final class ExitCodes {
    /** Everything answered without error. */
    public static final int OK = 0;
    /** Some minion (or the operation) failed. */
    public static final int FAILED = 1;
    /** Usage or configuration error. */
    public static final int USAGE = 2;
    /** The target matched no minion. */
    public static final int NO_MATCH = 3;

    private ExitCodes() {}
}
