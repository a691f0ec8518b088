package jfunc.overlord.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import jfunc.overlord.jobs.PostgresJobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This service among those sharing a PostgreSQL job store: its lease row, renewed every
 * {@code ttl}/5, and its share of the minions, by rendezvous hashing over the names of the live
 * services (itself always counted). When a lease expires or a new service appears, the shares
 * change and {@code changed} runs: the service then follows its new minions' unfinished jobs
 * (re-polls, re-sends never-acknowledged submissions with the same request ids).
 */
final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final PostgresJobStore store;
    private final String name;
    private final Duration ttl;
    private final Runnable changed;
    private final Instant started = Instant.now();
    private final ScheduledExecutorService timer;
    private final Map<String, Boolean> owned = new ConcurrentHashMap<>();
    private volatile TreeSet<String> live;
    private volatile boolean failing;

    private Fleet(PostgresJobStore store, String name, Duration ttl, Runnable changed) {
        this.store = store;
        this.name = name;
        this.ttl = ttl;
        this.changed = changed;
        this.live = new TreeSet<>(List.of(name));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the lease now (a failure here is the caller's), then renews it every {@code ttl}/5. */
    static Fleet start(PostgresJobStore store, String name, Duration ttl, Runnable changed) {
        Fleet f = new Fleet(store, name, ttl, changed);
        f.renew();
        long every = Math.max(200, ttl.toMillis() / 5);
        f.timer.scheduleWithFixedDelay(f::renewQuietly, every, every, TimeUnit.MILLISECONDS);
        log.info("sharing the job store as {}: {} live service(s), lease {} s, renewed every {} ms", name, f.live.size(),
                ttl.toMillis() / 1000.0, every);
        return f;
    }

    /** The name this service's lease is under (host:state dir). */
    String name() {
        return name;
    }

    /** True when {@code minion} is in this service's share now. */
    boolean owns(String minion) {
        return owned.computeIfAbsent(minion, m -> Rendezvous.owner(m, live).equals(name));
    }

    /** The live services' names, this one included. */
    List<String> live() {
        return List.copyOf(live);
    }

    private void renewQuietly() {
        try {
            renew();
            if (failing) {
                log.info("lease renewed again");
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("cannot renew the lease (others take this service's minions over once it expires): {}", e.getMessage());
                failing = true;
            }
        }
    }

    private void renew() {
        List<PostgresJobStore.Member> members = store.renew(name, hostName(), ProcessHandle.current().pid(), started, ttl);
        TreeSet<String> now = new TreeSet<>();
        now.add(name);
        for (PostgresJobStore.Member m : members) {
            if (m.live()) {
                now.add(m.name());
            }
        }
        if (!now.equals(live)) {
            TreeSet<String> before = live;
            live = now;
            owned.clear();
            log.info("live services now {} (were {}): shares moved", now, before);
            try {
                changed.run();
            } catch (RuntimeException e) {
                log.warn("after the shares moved: {}", e.toString());
            }
        }
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** Stops renewing and gives the lease up, so the others take this share over at once. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            store.release(name);
        } catch (RuntimeException e) {
            log.debug("releasing the lease: {}", e.toString());
        }
    }
}
