package jfunc.overlord.jobs;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL store's job news: a LISTEN on {@link PostgresJobStore#CHANNEL} over a connection
 * of its own, reconnecting after a database restart, and the per-job counts that wake waiters.
 */
final class JobNews {
    private static final Logger LOG = LoggerFactory.getLogger(JobNews.class);
    private final PostgresUrl url;
    private final HikariDataSource pool;
    /** News counts per job id since the listener started (waiters compare), and their monitor. */
    private final Map<String, Long> newsOf = new ConcurrentHashMap<>();
    private final Object newsMonitor = new Object();
    private long allNews;
    private volatile boolean listening;

    JobNews(PostgresUrl url, HikariDataSource pool) {
        this.url = url;
        this.pool = pool;
    }

    /** See {@link PostgresJobStore#listen}. */
    AutoCloseable listen(BiConsumer<String, JobState> news, Runnable reconnected) {
        AtomicBoolean closed = new AtomicBoolean();
        listening = true;
        Thread t = new Thread(() -> {
            boolean warned = false;
            while (!closed.get()) {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(true);
                    try (Statement st = c.createStatement()) {
                        st.execute("LISTEN " + PostgresJobStore.CHANNEL);
                    }
                    if (warned) {
                        LOG.info("job news from {} again", url);
                        warned = false;
                    }
                    reconnected.run();
                    heardAll();
                    PGConnection pg = c.unwrap(PGConnection.class);
                    while (!closed.get()) {
                        PGNotification[] got = pg.getNotifications(1000);
                        if (got == null) {
                            continue;
                        }
                        for (PGNotification n : got) {
                            String[] parts = n.getParameter().split(" ", 2);
                            heard(parts[0]);
                            try {
                                news.accept(parts[0], parts.length > 1 ? JobState.valueOf(parts[1]) : JobState.RUNNING);
                            } catch (RuntimeException e) {
                                LOG.debug("job news {}: {}", n.getParameter(), e.toString());
                            }
                        }
                    }
                } catch (SQLException | RuntimeException e) {
                    if (closed.get()) {
                        break;
                    }
                    if (!warned) {
                        LOG.warn("job news from {} interrupted, reconnecting: {}", url, e.toString());
                        warned = true;
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        break;
                    }
                }
            }
        }, "job-news");
        t.setDaemon(true);
        t.start();
        return () -> {
            closed.set(true);
            listening = false;
            t.interrupt();
            heardAll();
        };
    }

    /** True while {@link #listen} runs: only then does {@link #awaitChange} hear news. */
    boolean listening() {
        return listening;
    }

    private void heard(String id) {
        if (newsOf.size() > 10_000) {
            newsOf.clear(); // waiters wake (their count changed) and read again: harmless
        }
        newsOf.merge(id, 1L, Long::sum);
        synchronized (newsMonitor) {
            newsMonitor.notifyAll();
        }
    }

    private void heardAll() {
        synchronized (newsMonitor) {
            allNews++;
            newsMonitor.notifyAll();
        }
    }

    /** Waits up to {@code max} for news of job {@code id} or a reconnection; false when none came or listening stopped. */
    boolean awaitChange(String id, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        synchronized (newsMonitor) {
            long before = newsOf.getOrDefault(id, 0L);
            long all = allNews;
            while (true) {
                if (newsOf.getOrDefault(id, 0L) != before || allNews != all) {
                    return true;
                }
                long left = end - System.nanoTime();
                if (left <= 0 || !listening) {
                    return false;
                }
                try {
                    newsMonitor.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }
}
