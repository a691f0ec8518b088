package jfunc.overlord;

/**
 * A target expression that cannot be understood: bad syntax, an invalid name, an unknown
 * {@code @group}, a group cycle. The CLI exits 2 (usage error) with the message.
 */
public final class TargetException extends Exception {
    public TargetException(String message) {
        super(message);
    }
}
