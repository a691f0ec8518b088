package jfunc.overlord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import jfunc.common.rpc.CallError;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.TlsContexts;

/**
 * Calls many minions at once through a bounded number of forks, each call with its own deadline.
 *
 * <p>Contract: at most {@link Limits#forks()} calls run at the same time (over all concurrent
 * {@code call}s of this instance); calls start in the order given. Each minion's deadline
 * ({@link Limits#timeout()}) runs from the moment its call starts: when it passes, the result is
 * TIMEOUT, the call is aborted (its connection closed) and its fork is released at once, so a slow, dead,
 * blackholed or hostile minion costs the others nothing beyond its own timeout and never aborts
 * the fan-out. Connecting is bounded by {@link Limits#connectTimeout()}. Results come back in
 * the order of the minions given.
 *
 * <p>One instance per process and identity: it holds one {@link RpcClient}, whose connections
 * are kept alive between calls. Thread-safe; {@code call} blocks until every minion has an
 * outcome. Calls are non-blocking ({@link RpcClient#callAsync}): forks bound the calls in
 * flight, not threads; the client's few threads serve them all, plus one
 * {@code jfunc-fanout-watchdog} that enforces deadlines. Anything a call throws, an Error
 * included, becomes that minion's PROTOCOL result.
 */
public final class FanOut implements AutoCloseable {
    public static final int DEFAULT_FORKS = 64;

    /**
     * From this many minions in one call, handshakes are worth BouncyCastle's EC code
     * ({@link TlsContexts#useFastEc}): it saves about 2.3 ms of CPU per handshake on the
     * overlord and costs about 360 ms once per process, so it pays from about 160 minions. The
     * fan-out never installs it itself (a JVM-wide provider list changing under handshakes in
     * flight): the process chooses once, at start (jfunc-overlord) or when the embedded CLI has
     * resolved its target, before any connection ({@link EmbeddedOverlord#select}).
     */
    static final int FAST_EC_MIN_MINIONS = 200;
    public static final int MAX_FORKS = 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The largest reply a minion may send (a call's output is capped well below this on the minion). */
    static final long MAX_REPLY_BYTES = 16L * 1024 * 1024;

    /**
     * How wide and how long a fan-out may be. {@code forks}: 1 to {@value #MAX_FORKS} calls at once
     * (default {@value #DEFAULT_FORKS}). {@code timeout}: each minion's whole-call deadline, more
     * than 0 and at most a day (default 30 s). Invalid values throw IllegalArgumentException
     * with a message naming the flag.
     */
    public record Limits(int forks, Duration timeout) {
        public Limits {
            if (forks < 1 || forks > MAX_FORKS) {
                throw new IllegalArgumentException("--forks must be between 1 and " + MAX_FORKS + " (got " + forks + ")");
            }
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("--timeout must be more than 0 and at most "
                        + MAX_TIMEOUT.toSeconds() + " seconds (got " + seconds(timeout) + ")");
            }
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_FORKS, DEFAULT_TIMEOUT);
        }

        public Limits withForks(int n) {
            return new Limits(n, timeout);
        }

        public Limits withTimeout(Duration t) {
            return new Limits(forks, t);
        }

        /** How long connecting may take: the timeout, but at most 5 s. */
        public Duration connectTimeout() {
            return timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT;
        }
    }

    private final Limits limits;
    private final RpcClient client;
    private final Semaphore forks;
    private final ScheduledThreadPoolExecutor watchdog;

    /** A fan-out over {@code tls} (the overlord's mutual TLS context). */
    public FanOut(SSLContext tls, Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.client = new RpcClient(tls, limits.connectTimeout(), limits.timeout(), MAX_REPLY_BYTES);
        this.forks = new Semaphore(limits.forks());
        this.watchdog = new ScheduledThreadPoolExecutor(1, daemon("jfunc-fanout-watchdog", null));
        watchdog.setRemoveOnCancelPolicy(true);
    }

    public Limits limits() {
        return limits;
    }

    /** Calls the same method on every minion, with the default timeout. */
    public CallResult call(List<MinionAddress> minions, MethodCall call, FanOutListener listener) {
        return call(minions, m -> call, limits.timeout(), listener);
    }

    /**
     * Calls each minion with the method {@code calls} gives for it (e.g. each minion's own job
     * ids), each with deadline {@code timeout} (a long poll passes more than its wait).
     * A {@code calls} function that throws gives that minion a PROTOCOL error with the message.
     */
    public CallResult call(List<MinionAddress> minions, Function<MinionAddress, MethodCall> calls,
                           Duration timeout, FanOutListener listener) {
        return call(minions, calls, timeout, listener, null);
    }

    /**
     * As {@link #call(List, Function, Duration, FanOutListener)} as a rolling {@code batch} (null:
     * none): besides the forks, at most {@link Batch#width} of these minions run at once, the next
     * starting when one finishes; once the batch's failure limit is reached, the minions not yet
     * started are answered NOT_STARTED (the listener hears of them as finished, never started).
     */
    public CallResult call(List<MinionAddress> minions, Function<MinionAddress, MethodCall> calls,
                           Duration timeout, FanOutListener listener, Batch batch) {
        Limits checked = limits.withTimeout(timeout);
        Rollout rollout = batch == null ? null : new Rollout(batch, minions.size());
        FanOutListener l = listener == null ? FanOutListener.NONE : listener;
        List<Outcome> futures = new ArrayList<>(minions.size());
        String method = null;
        MethodCall lastCall = null;
        Object lastBody = null; // the last call's request body (or why it cannot be encoded): the same call is encoded once
        for (MinionAddress m : minions) {
            Outcome f = new Outcome();
            futures.add(f);
            MethodCall c;
            try {
                c = calls.apply(m);
                method = method == null ? c.method() : method;
            } catch (RuntimeException e) {
                finish(f, MinionResult.failure(m.name(), new CallError(CallError.Kind.PROTOCOL, 0,
                        "no call for this minion: " + e.getMessage()), Duration.ZERO), l, false);
                continue;
            }
            if (rollout != null) {
                f.rollout = rollout;
                f.method = c.method();
                MinionResult refused = rollout.enter(m.name());
                if (refused != null) {
                    f.rollout = null; // it holds no place in the window
                    finish(f, refused, l, false);
                    continue;
                }
            }
            try {
                forks.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finish(f, MinionResult.failure(m.name(), new CallError(CallError.Kind.TIMEOUT, 0,
                        "interrupted before the call started"), Duration.ZERO), l, false);
                continue;
            }
            if (c != lastCall) {
                lastCall = c;
                try {
                    lastBody = RpcClient.requestBody(c.method(), c.paramArray());
                } catch (org.apache.xmlrpc.XmlRpcException e) {
                    lastBody = e;
                }
            }
            run(m, lastBody, checked.timeout(), f, l);
        }
        List<MinionResult> results = new ArrayList<>(futures.size());
        for (Outcome f : futures) {
            results.add(await(f));
        }
        return new CallResult(method == null ? "" : method, results);
    }

    /** Starts one minion's call; its outcome settles later, from the reply or the watchdog. */
    private void run(MinionAddress m, Object body, Duration timeout, Outcome f, FanOutListener l) {
        long start = System.nanoTime();
        try {
            notify(() -> l.started(m));
            // The watchdog owns the deadline; the client's own is only a backstop a little later,
            // so that a timeout always reads the same ("no answer within ...").
            CompletableFuture<Object> reply = body instanceof byte[] b ? client.callAsync(m.endpoint(), timeout.plusSeconds(1), b)
                    : CompletableFuture.failedFuture((Throwable) body);
            ScheduledFuture<?> deadline = watchdog.schedule(() -> {
                MinionResult late = MinionResult.failure(m.name(), new CallError(CallError.Kind.TIMEOUT, 0,
                        "no answer within " + seconds(timeout)), since(start));
                if (finish(f, late, l, true)) {
                    reply.cancel(true); // aborts the call and closes its connection
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
            reply.whenComplete((value, failure) -> {
                deadline.cancel(false);
                MinionResult r;
                try {
                    r = failure == null ? MinionResult.success(m.name(), value, since(start))
                            : MinionResult.failure(m.name(), CallError.of(unwrap(failure)), since(start));
                } catch (RuntimeException | Error e) {
                    r = protocol(m, e, start);
                }
                finish(f, r, l, true);
            });
        } catch (RuntimeException | Error e) { // never a stack trace for one minion's trouble
            finish(f, protocol(m, e, start), l, true);
        }
    }

    private static MinionResult protocol(MinionAddress m, Throwable e, long start) {
        return MinionResult.failure(m.name(), new CallError(CallError.Kind.PROTOCOL, 0,
                "the call failed in the overlord: " + e), since(start));
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /**
     * Settles a minion's outcome once (the call or its deadline, whichever comes first), releases
     * its fork and tells the listener, all before the caller can see the outcome.
     */
    private boolean finish(Outcome f, MinionResult r, FanOutListener l, boolean held) {
        if (!f.settled.compareAndSet(false, true)) {
            return false;
        }
        if (held) {
            forks.release();
        }
        if (f.rollout != null) {
            f.rollout.leave(f.method, r); // failures counted before the next minion may start
        }
        notify(() -> l.finished(r));
        f.complete(r);
        return true;
    }

    /** A minion's future outcome; {@code settled} decides the race between call and deadline. */
    private static final class Outcome extends CompletableFuture<MinionResult> {
        final java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        /** The rolling batch whose window this minion holds a place in, or null. */
        Rollout rollout;
        String method;
    }

    /** One call's rolling batch: its window of places and its failures so far. */
    private static final class Rollout {
        private final Batch batch;
        private final Semaphore window;
        private final AtomicInteger failures = new AtomicInteger();

        Rollout(Batch batch, int minions) {
            this.batch = batch;
            this.window = new Semaphore(batch.width(minions));
        }

        /** Waits for a place; null when the minion may start, else its NOT_STARTED answer. */
        MinionResult enter(String minion) {
            if (batch.stops(failures.get())) {
                return batch.notStarted(minion, failures.get());
            }
            try {
                window.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return MinionResult.failure(minion, new CallError(CallError.Kind.NOT_STARTED, 0,
                        "not started: interrupted while waiting for its batch"), Duration.ZERO);
            }
            if (batch.stops(failures.get())) {
                window.release();
                return batch.notStarted(minion, failures.get());
            }
            return null;
        }

        void leave(String method, MinionResult r) {
            if (batch.failed(method, r)) {
                failures.incrementAndGet();
            }
            window.release();
        }
    }

    private static MinionResult await(CompletableFuture<MinionResult> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void notify(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            // a listener must not break the fan-out (see FanOutListener)
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.3f s", ms / 1000.0);
    }

    private static ThreadFactory daemon(String prefix, AtomicInteger counter) {
        return r -> {
            Thread t = new Thread(r, counter == null ? prefix : prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Idle pooled connections to minions now, and connections (TLS handshakes) opened so far. */
    public jfunc.common.rpc.RpcClient.ClientStats transportStats() {
        return client.stats();
    }

    /** Stops the threads; calls still running are abandoned. Idempotent. */
    @Override
    public void close() {
        client.close();
        watchdog.shutdownNow();
    }
}
