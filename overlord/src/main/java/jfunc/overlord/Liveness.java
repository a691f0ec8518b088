package jfunc.overlord;

import java.time.Duration;
import java.time.Instant;

/**
 * What the service's heartbeat knows of one minion (its {@code test.ping} on heartbeat_interval).
 *
 * @param minion       the minion's name
 * @param lastSeen     when it last answered a ping; null: never since the service started
 * @param rtt          that answer's round-trip time; null when never seen
 * @param failingSince the first unanswered ping since it last answered; null while it answers
 * @param lastError    why the last ping failed, or null
 * @param lastTried    when it was last pinged; null: not yet
 */
public record Liveness(String minion, Instant lastSeen, Duration rtt, Instant failingSince, String lastError,
                       Instant lastTried) {
    /** The three states a user sees. */
    public enum State {
        ANSWERING("answering"), NOT_ANSWERING("not answering"), NEVER_SEEN("never seen");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Never seen until a ping is answered; then answering, or not answering once a ping failed after that. */
    public State state() {
        if (lastSeen == null) {
            return State.NEVER_SEEN;
        }
        return failingSince != null ? State.NOT_ANSWERING : State.ANSWERING;
    }

    /** The state as the table and the dashboard show it: "not answering since T" with T the first failed ping. */
    public String stateText() {
        State s = state();
        return s == State.NOT_ANSWERING ? s.label() + " since " + Times.at(failingSince) : s.label();
    }

    /** Short UTC times for tables: {@code 2026-12-03 09:55:02Z}. */
    public static final class Times {
        private static final java.time.format.DateTimeFormatter F =
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);

        private Times() {}

        public static String at(Instant t) {
            return t == null ? "-" : F.format(t);
        }

        /** The UTC day of {@code t}: {@code 2026-12-03}, or "-". */
        public static String day(Instant t) {
            return t == null ? "-" : F.format(t).substring(0, 10);
        }

        /** A round-trip time in milliseconds with one decimal, or "-". */
        public static String rtt(Duration d) {
            return d == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
        }
    }
}
