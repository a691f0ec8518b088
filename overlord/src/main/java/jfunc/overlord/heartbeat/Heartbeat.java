package jfunc.overlord.heartbeat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jfunc.overlord.CallResult;
import jfunc.overlord.Liveness;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See the package documentation. Thread-safe; {@link #close()} stops the loop and abandons pings in flight. */
public final class Heartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    /**
     * Batches of pings out at once. A batch whose turn comes while all are out waits for one to
     * end (dead minions slow a round down; they never make the heartbeat open more connections).
     */
    public static final int MAX_BATCHES = 8;
    /** The shortest pause between two batches. */
    static final Duration MIN_TICK = Duration.ofMillis(50);
    /** The longest one ping may take. */
    static final Duration MAX_PING = Duration.ofSeconds(10);
    /** The shortest time a ping is given, however short the interval (a busy host answers late). */
    static final Duration MIN_PING = Duration.ofSeconds(5);

    /** The minions to ping now (the inventory, re-read by the service when it changes). */
    @FunctionalInterface
    public interface Minions {
        List<MinionAddress> all() throws Exception;
    }

    /** Pings a batch of minions, each within {@code timeout}; one result per minion. */
    @FunctionalInterface
    public interface Pinger {
        CallResult ping(List<MinionAddress> batch, Duration timeout) throws Exception;
    }

    private final Duration interval;
    private final Minions minions;
    private final Pinger pinger;
    private final Map<String, Liveness> seen = new ConcurrentHashMap<>();
    private final Semaphore batches = new Semaphore(MAX_BATCHES);
    private final ExecutorService pool;
    private final Thread loop;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private volatile long lastRoundNanos;
    private volatile boolean running = true;

    private Heartbeat(Duration interval, Minions minions, Pinger pinger) {
        this.interval = interval;
        this.minions = minions;
        this.pinger = pinger;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(MAX_BATCHES, r -> {
            Thread t = new Thread(r, "service-heartbeat-ping-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.loop = new Thread(this::run, "service-heartbeat");
        loop.setDaemon(true);
    }

    /** Starts pinging at once, then every {@code interval}. */
    public static Heartbeat start(Duration interval, Minions minions, Pinger pinger) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("heartbeat_interval must be more than 0");
        }
        Heartbeat h = new Heartbeat(interval, minions, pinger);
        h.loop.start();
        return h;
    }

    public Duration interval() {
        return interval;
    }

    /** What is known of {@code minion}: never seen (all null) when it was not pinged yet. */
    public Liveness of(String minion) {
        Liveness l = seen.get(minion);
        return l != null ? l : new Liveness(minion, null, null, null, null, null);
    }

    /** Rounds completed (every minion pinged once) since start. */
    public long rounds() {
        return rounds.get();
    }

    /** Batches that had to wait for a free slot past their turn, since start (minions not answering). */
    public long late() {
        return late.get();
    }

    /** How long the last completed round took, from its first ping to its last answer. */
    public Duration lastRound() {
        return Duration.ofNanos(lastRoundNanos);
    }

    /** What is known of every minion pinged so far. */
    public Map<String, Liveness> all() {
        return Map.copyOf(seen);
    }

    private void run() {
        while (running) {
            long roundStart = System.nanoTime();
            try {
                round(roundStart);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                log.warn("heartbeat: {}", e.toString());
            }
            try {
                sleepUntil(roundStart + interval.toNanos());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One round: every minion once, in batches spread evenly over the interval. */
    private void round(long roundStart) throws Exception {
        List<MinionAddress> all = minions.all();
        Set<String> names = new HashSet<>();
        all.forEach(m -> names.add(m.name()));
        seen.keySet().retainAll(names); // minions that left the inventory
        int n = all.size();
        if (n == 0) {
            return;
        }
        long tick = Math.max(MIN_TICK.toNanos(), interval.toNanos() / n);
        int batch = (int) Math.min(n, Math.max(1, Math.ceil((double) n * tick / interval.toNanos())));
        Duration timeout = interval.compareTo(MIN_PING) < 0 ? MIN_PING : interval.compareTo(MAX_PING) > 0 ? MAX_PING : interval;
        int slot = 0;
        for (int i = 0; i < n && running; i += batch, slot++) {
            sleepUntil(roundStart + slot * tick);
            List<MinionAddress> part = new ArrayList<>(all.subList(i, Math.min(n, i + batch)));
            if (!batches.tryAcquire()) {
                late.incrementAndGet();
                batches.acquire();
            }
            pool.execute(() -> {
                try {
                    record(pinger.ping(part, timeout));
                } catch (Exception e) {
                    log.debug("heartbeat batch: {}", e.toString());
                } finally {
                    batches.release();
                }
            });
        }
        batches.acquire(MAX_BATCHES); // the round ends with its last answer
        batches.release(MAX_BATCHES);
        lastRoundNanos = System.nanoTime() - roundStart;
        rounds.incrementAndGet();
    }

    private void record(CallResult result) {
        Instant now = Instant.now();
        for (MinionResult r : result.results()) {
            Liveness before = seen.get(r.minion());
            if (r.ok()) {
                seen.put(r.minion(), new Liveness(r.minion(), now, r.elapsed(), null, null, now));
            } else {
                Instant since = before != null && before.failingSince() != null ? before.failingSince() : now;
                String why = r.error() == null ? "no answer" : r.error().message();
                seen.put(r.minion(), new Liveness(r.minion(), before == null ? null : before.lastSeen(),
                        before == null ? null : before.rtt(), since, why, now));
            }
        }
    }

    private void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        pool.shutdownNow();
    }
}
