package jfunc.common;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run for identical work in flight (merged requests): {@link #run} with a key that is
 * running already waits for that run's value or exception instead of running again; a key is
 * free again as soon as its run ends. Thread-safe.
 *
 * @param <K> what makes two runs identical
 * @param <V> their value
 */
public final class SingleFlight<K, V> {
    /** The work; its exception, if any, is what every waiter gets too. */
    @FunctionalInterface
    public interface Work<V> {
        V run() throws Exception;
    }

    /** How a waiter hears of the run it waited for. */
    @FunctionalInterface
    public interface Joined<V> {
        void joined(V value);
    }

    private final Map<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();
    private final AtomicLong merged = new AtomicLong();

    /**
     * Runs {@code work} under {@code key}, or, when an identical run is in flight, waits for it,
     * tells {@code joined} (may be null) its value and returns it. InterruptedException while waiting.
     */
    public V run(K key, Work<V> work, Joined<V> joined) throws Exception {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> first = running.putIfAbsent(key, mine);
        if (first != null) {
            merged.incrementAndGet();
            V v;
            try {
                v = first.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
            }
            if (joined != null) {
                joined.joined(v);
            }
            return v;
        }
        try {
            V v = work.run();
            mine.complete(v);
            return v;
        } catch (Exception | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    /** Runs answered with another run's value so far. */
    public long merged() {
        return merged.get();
    }

    /**
     * A wire value as key text: arrays and lists alike (as XML-RPC decodes them), struct members
     * sorted by name, byte arrays by content, other values with their type.
     */
    public static String text(Object v) {
        if (v instanceof byte[] b) {
            return "bytes:" + java.util.Base64.getEncoder().encodeToString(b);
        }
        if (v instanceof Object[] a) {
            return text(java.util.Arrays.asList(a));
        }
        if (v instanceof java.util.List<?> l) {
            StringBuilder s = new StringBuilder("[");
            l.forEach(e -> s.append(text(e)).append(','));
            return s.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
            m.forEach((k, e) -> sorted.put(String.valueOf(k), e));
            StringBuilder s = new StringBuilder("{");
            sorted.forEach((k, e) -> s.append(k).append('=').append(text(e)).append(','));
            return s.append('}').toString();
        }
        return v == null ? "null" : v.getClass().getSimpleName() + ":" + v;
    }
}
