package jfunc.common.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a job record may keep of a call's arguments: secrets are replaced by {@link #REDACTED}
 * before the minion's status file or the overlord's job store sees them, so that neither
 * {@code status.db}, {@code jobs.db} nor {@code jobs.list} holds them. A secret is
 * <ul>
 *   <li>every value of a struct member named {@code env} (command.run's environment: the
 *       variable names are kept, their values are not);
 *   <li>the value of a struct member named {@code password}, {@code secret} or {@code token},
 *       or ending in {@code _password}, {@code _secret} or {@code _token}: the way to mark any
 *       other argument secret is to pass it in a struct under such a name.
 * </ul>
 * The call itself still receives every value; only what is recorded changes.
 */
public final class SecretArgs {
    /** What a secret value is recorded as. */
    public static final String REDACTED = "<redacted>";

    private SecretArgs() {}

    /** A copy of {@code args} with every secret replaced; other values are kept as they are. */
    public static List<Object> redact(List<Object> args) {
        List<Object> out = new ArrayList<>(args.size());
        for (Object a : args) {
            out.add(redactValue(a));
        }
        return out;
    }

    /** True for a struct member name whose value is secret (see the class comment). */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("password") || n.equals("secret") || n.equals("token")
                || n.endsWith("_password") || n.endsWith("_secret") || n.endsWith("_token");
    }

    private static Object redactValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.equals("env") && e.getValue() instanceof Map<?, ?> env) {
                    Map<Object, Object> names = new LinkedHashMap<>();
                    env.keySet().forEach(k -> names.put(k, REDACTED));
                    out.put(e.getKey(), names);
                } else if (isSecretName(key)) {
                    out.put(e.getKey(), REDACTED);
                } else {
                    out.put(e.getKey(), redactValue(e.getValue()));
                }
            }
            return out;
        }
        if (v instanceof Object[] a) {
            Object[] out = new Object[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = redactValue(a[i]);
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(redactValue(o));
            }
            return out;
        }
        return v;
    }
}
