package jfunc.common;

/**
 * The stable numeric XML-RPC fault codes every jfunc server uses. Scripts and the overlord
 * classify errors by these numbers; never renumber one, only add.
 */
public final class Faults {
    /** The request was not well-formed XML-RPC (or used a forbidden extension, DTD, ...). */
    public static final int MALFORMED_REQUEST = 100;
    /** The request body was larger than the server's cap. */
    public static final int REQUEST_TOO_LARGE = 101;
    /** No such module or method. */
    public static final int UNKNOWN_METHOD = 102;
    /** Wrong number or types of arguments, or a value out of range. */
    public static final int BAD_ARGUMENTS = 103;
    /** The caller's certificate name may not call this method. */
    public static final int FORBIDDEN = 104;
    /** The module ran and failed (its message says why). */
    public static final int MODULE_ERROR = 105;
    /** The call ran longer than its time limit and was stopped. */
    public static final int TIMEOUT = 106;
    /** A path outside the configured roots, or a symlink escaping them. */
    public static final int PATH_NOT_ALLOWED = 107;
    /** No such job (never existed, or purged after the retention period). */
    public static final int UNKNOWN_JOB = 108;
    /** The server is overloaded or shutting down; retry later. */
    public static final int UNAVAILABLE = 109;
    /** The thing the module needs is missing on this host (e.g. systemctl). */
    public static final int NOT_SUPPORTED = 110;
    /** The overlord service: the target matched no minion (the CLI's exit 3). */
    public static final int NO_MATCH = 120;
    /** The overlord service: the target is not a valid target expression. */
    public static final int BAD_TARGET = 121;
    /** The overlord service: its configuration or identity files are unusable (the CLI's exit 2). */
    public static final int CONFIG_ERROR = 122;
    /** The overlord service: the job store is busy or failed to read or write; retry later. */
    public static final int STORE_BUSY = 123;
    /** The overlord service: the job store is corrupted or from a newer jfunc. */
    public static final int STORE_UNUSABLE = 124;
    /** A bug on the server side; the log has details. */
    public static final int INTERNAL_ERROR = 199;

    private Faults() {}

    /** A short lower-case label for a code, for tables and JSON. */
    public static String label(int code) {
        return switch (code) {
            case MALFORMED_REQUEST -> "malformed-request";
            case REQUEST_TOO_LARGE -> "request-too-large";
            case UNKNOWN_METHOD -> "unknown-method";
            case BAD_ARGUMENTS -> "bad-arguments";
            case FORBIDDEN -> "forbidden";
            case MODULE_ERROR -> "module-error";
            case TIMEOUT -> "timeout";
            case PATH_NOT_ALLOWED -> "path-not-allowed";
            case UNKNOWN_JOB -> "unknown-job";
            case UNAVAILABLE -> "unavailable";
            case NOT_SUPPORTED -> "not-supported";
            case NO_MATCH -> "no-match";
            case BAD_TARGET -> "bad-target";
            case CONFIG_ERROR -> "config-error";
            case STORE_BUSY -> "store-busy";
            case STORE_UNUSABLE -> "store-unusable";
            case INTERNAL_ERROR -> "internal-error";
            default -> "fault-" + code;
        };
    }
}
