package jfunc.overlord;

/**
 * A valid target that selects no known minion. The CLI exits 3 with the message, which says
 * how many minions are known and how to list them.
 */
public final class NoMatchException extends Exception {
    public NoMatchException(String message) {
        super(message);
    }
}
