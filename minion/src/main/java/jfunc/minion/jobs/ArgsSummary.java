package jfunc.minion.jobs;

import java.util.List;
import java.util.Map;
import jfunc.common.job.SecretArgs;

/**
 * A short, readable summary of a call's arguments for the job record ({@code ["uptime", 30]}),
 * at most {@link #MAX_CHARS} characters: jobs keep what was asked, not bulky payloads
 * (base64 shows as {@code <N bytes>}), and never secrets ({@link SecretArgs}: env values,
 * members named like passwords).
 */
final class ArgsSummary {
    static final int MAX_CHARS = 256;

    private ArgsSummary() {}

    static String of(List<Object> args) {
        StringBuilder sb = new StringBuilder();
        append(sb, SecretArgs.redact(args).toArray());
        if (sb.length() > MAX_CHARS) {
            String more = "…(" + (sb.length() - MAX_CHARS) + " more chars)";
            sb.setLength(MAX_CHARS - more.length());
            sb.append(more);
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, Object v) {
        if (sb.length() > MAX_CHARS * 2) {
            return; // long enough to be cut; stop walking big values
        }
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        } else if (v instanceof byte[] b) {
            sb.append('<').append(b.length).append(" bytes>");
        } else if (v instanceof Object[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                append(sb, a[i]);
            }
            sb.append(']');
        } else if (v instanceof List<?> l) {
            append(sb, l.toArray());
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(e.getKey()).append(": ");
                append(sb, e.getValue());
            }
            sb.append('}');
        } else {
            sb.append(v);
        }
    }
}
