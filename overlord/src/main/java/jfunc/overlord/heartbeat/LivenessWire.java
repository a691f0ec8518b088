package jfunc.overlord.heartbeat;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import jfunc.overlord.Liveness;

/**
 * {@link Liveness} on the service socket ({@code overlord.liveness}, docs/PROTOCOL.md): a struct
 * whose absent members stand for null; times ISO-8601 UTC strings, the round trip milliseconds
 * as a double.
 */
public final class LivenessWire {
    /** The socket method: {@code overlord.liveness([names])} answers {name: struct}. */
    public static final String METHOD = "overlord.liveness";

    private LivenessWire() {}

    public static Map<String, Object> toWire(Liveness l) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "last_seen", l.lastSeen());
        if (l.rtt() != null) {
            m.put("rtt_ms", l.rtt().toNanos() / 1e6);
        }
        put(m, "failing_since", l.failingSince());
        if (l.lastError() != null) {
            m.put("last_error", l.lastError());
        }
        put(m, "last_tried", l.lastTried());
        return m;
    }

    public static Liveness fromWire(String minion, Object wire) {
        Map<?, ?> m = wire instanceof Map<?, ?> x ? x : Map.of();
        Object rtt = m.get("rtt_ms");
        return new Liveness(minion, time(m.get("last_seen")),
                rtt instanceof Number n ? Duration.ofNanos((long) (n.doubleValue() * 1e6)) : null,
                time(m.get("failing_since")), m.get("last_error") instanceof String s ? s : null, time(m.get("last_tried")));
    }

    private static void put(Map<String, Object> m, String key, Instant t) {
        if (t != null) {
            m.put(key, t.toString());
        }
    }

    private static Instant time(Object o) {
        return o instanceof String s ? Instant.parse(s) : null;
    }
}
