package jfunc.overlord.service;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.Selection;

/**
 * The service's memory of introspection answers ({@code system.list_methods},
 * {@code system.list_modules}, {@code system.method_help}, and multicalls made only of those):
 * the CLI's method check before each call, and shell completion, ask the same minions the same
 * question over and over. An answer in which every minion answered is kept for {@link #KEEP}
 * (a minion upgraded meanwhile is asked again after that), keyed by the minions and their
 * addresses, the method and its parameters.
 */
final class IntrospectionCache {
    static final long KEEP = TimeUnit.MINUTES.toNanos(5);
    static final int MAX_ENTRIES = 1000;
    private static final Set<String> ASKED = Set.of("system.list_methods", "system.list_modules", "system.method_help",
            ServiceMethods.READ_ONLY_METHODS);

    /** The call itself, when the cache does not have its answer. */
    interface Call {
        CallResult run(FanOutListener listener) throws Exception;
    }

    private record Key(List<MinionAddress> minions, String method, String params) {}

    private record Kept(CallResult result, long at) {}

    private final Map<Key, Kept> kept = new ConcurrentHashMap<>();

    /** True for the calls this cache answers. */
    static boolean cacheable(MethodCall call) {
        if (ASKED.contains(call.method())) {
            return true;
        }
        if (!call.method().equals("system.multicall") || call.params().size() != 1
                || !(call.params().get(0) instanceof Object[] || call.params().get(0) instanceof List<?>)) {
            return false;
        }
        List<?> calls = call.params().get(0) instanceof Object[] a ? java.util.Arrays.asList(a) : (List<?>) call.params().get(0);
        if (calls.isEmpty()) {
            return false;
        }
        return calls.stream().allMatch(c -> c instanceof Map<?, ?> m && ASKED.contains(String.valueOf(m.get("methodName"))));
    }

    /** A value as text for the key: lists and arrays (as XML-RPC decodes them) alike, struct members sorted. */
    static String deep(Object v) {
        return jfunc.common.SingleFlight.text(v);
    }

    /** The kept answer (told to {@code listener} as if the minions had answered), else the call's, kept when all answered. */
    CallResult call(Selection selection, MethodCall call, FanOutListener listener, Call fresh) throws Exception {
        Key key = new Key(List.copyOf(selection.minions()), call.method(), deep(call.params()));
        long now = System.nanoTime();
        Kept k = kept.get(key);
        if (k != null && now - k.at() < KEEP) {
            if (listener != null) {
                selection.minions().forEach(listener::started);
                k.result().results().forEach(listener::finished);
            }
            return k.result();
        }
        CallResult r = fresh.run(listener);
        if (!r.results().isEmpty() && r.results().stream().allMatch(MinionResult::ok)) {
            if (kept.size() >= MAX_ENTRIES) {
                kept.clear();
            }
            kept.put(key, new Kept(r, now));
        }
        return r;
    }
}
