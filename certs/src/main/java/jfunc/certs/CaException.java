package jfunc.certs;

/**
 * A CA operation that cannot be done. {@link Kind#FILES}: the CA's files are missing, unreadable
 * or inconsistent (a configuration problem, exit code 2; the message names the path).
 * {@link Kind#STATE}: the operation does not apply to the name's current state, e.g. signing a
 * name that is not pending (exit code 1). Either way nothing was changed.
 */
public final class CaException extends Exception {
    public enum Kind { FILES, STATE }

    private final Kind kind;

    public CaException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static CaException files(String message) {
        return new CaException(Kind.FILES, message);
    }

    static CaException state(String message) {
        return new CaException(Kind.STATE, message);
    }
}
