package jfunc.overlord.jobs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jfunc.common.Ids;

/**
 * The job store in PostgreSQL ({@code job_store = postgresql://...}), shared by every
 * jfunc-overlord and CLI that names the same database. The semantics are
 * {@link MapDbJobStore}'s (one contract test suite runs against both): each method is one
 * transaction, the job's row is locked ({@code FOR UPDATE}) while its minions are updated, so
 * updates of one job from several processes apply one after the other and a result is never
 * undone. Records are the same versioned binary records as in jobs.db ({@link RecordCodec}).
 *
 * <p>The schema is created and migrated at open: {@code postgresql/V1.sql}, {@code V2.sql}, ...
 * (resources next to this class), each applied in one transaction under an advisory lock (two
 * services starting at once do not race), its number recorded in {@code jfunc_schema}. A
 * database whose schema is newer than this jfunc knows is refused before anything is written.
 */
public final class PostgresJobStore implements JobStore {
    /** The schema version this jfunc writes: the highest {@code postgresql/V*.sql}. */
    static final int SCHEMA = 3;
    /** The channel of job news: payload "JOB-ID STATE" after a job is created or a minion's record changed. */
    static final String CHANNEL = "jfunc_jobs";
    /** pg_advisory_xact_lock key of migrations ("jfun"). */
    private static final long MIGRATION_LOCK = 0x6a66756eL;
    private static final int PURGE_BATCH = 500;
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final PostgresUrl url;
    private final HikariDataSource pool;
    private final JobNews news;
    private volatile Timer timer;

    private PostgresJobStore(PostgresUrl url, HikariDataSource pool) {
        this.url = url;
        this.pool = pool;
        this.news = new JobNews(url, pool);
    }

    /**
     * Connects (a pool of at most {@code poolSize}), checks the schema and migrates it. Throws
     * JobStoreException: IO when the database cannot be reached, DENIED when it refuses the login
     * or the database does not exist, NEWER_VERSION when its schema is newer than this jfunc's.
     */
    static PostgresJobStore open(PostgresUrl url, String password, int poolSize, Duration connectWait) {
        if (!"disable".equalsIgnoreCase(url.params().getOrDefault("sslmode", ""))) {
            // the driver's default (prefer) and every other mode try TLS, whose key exchange
            // PostgreSQL offers on P-256 only; services and the CLI open the store before any minion call
            jfunc.common.tls.TlsContexts.alsoOfferP256();
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("jfunc-job-store");
        cfg.setDriverClassName("org.postgresql.Driver");
        cfg.setJdbcUrl(url.jdbcUrl());
        cfg.setUsername(url.user());
        if (password != null) {
            cfg.setPassword(password);
        }
        url.params().forEach(cfg::addDataSourceProperty);
        cfg.addDataSourceProperty("ApplicationName", "jfunc");
        cfg.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, connectWait.toSeconds())));
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(1);
        cfg.setConnectionTimeout(Math.max(250, connectWait.toMillis()));
        cfg.setInitializationFailTimeout(1); // one attempt at open: a bad setting fails at once, clearly
        cfg.setAutoCommit(false);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(cfg);
        } catch (HikariPool.PoolInitializationException e) {
            throw mapped(url, "cannot connect", e.getCause() instanceof SQLException s ? s : null, e);
        } catch (RuntimeException e) {
            throw new JobStoreException(JobStoreException.Reason.IO, "job store " + url + ": cannot connect: " + e, e);
        }
        PostgresJobStore store = new PostgresJobStore(url, pool);
        try {
            store.migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return store;
    }

    @Override
    public String name() {
        return url.toString();
    }

    /** The schema version recorded in the database (after open: {@link #SCHEMA}). */
    int schemaVersion() {
        return tx("read", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT max(version) FROM jfunc_schema")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private void migrate() {
        tx("migrate", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                st.execute("CREATE TABLE IF NOT EXISTS jfunc_schema (version int PRIMARY KEY,"
                        + " applied timestamptz NOT NULL DEFAULT now(), by_jfunc text)");
                int current;
                try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM jfunc_schema")) {
                    rs.next();
                    current = rs.getInt(1);
                }
                if (current > SCHEMA) {
                    throw new JobStoreException(JobStoreException.Reason.NEWER_VERSION, "job store " + url
                            + " has schema version " + current + ", this jfunc knows up to " + SCHEMA
                            + "; it was left unchanged: use a jfunc of that version (or newer)", null);
                }
                for (int v = current + 1; v <= SCHEMA; v++) {
                    st.execute(script(v));
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO jfunc_schema (version, by_jfunc) VALUES (?, ?)")) {
                        ins.setInt(1, v);
                        ins.setString(2, java.util.Objects.requireNonNullElse(
                                PostgresJobStore.class.getPackage().getImplementationVersion(), "a development build"));
                        ins.executeUpdate();
                    }
                }
            }
            return null;
        });
    }

    private static String script(int version) {
        String name = "postgresql/V" + version + ".sql";
        try (InputStream in = PostgresJobStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing schema script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema script " + name, e);
        }
    }

    @Override
    public void create(Job job, List<Object> params) {
        createAll(List.of(job), params);
    }

    /** Several new jobs in one transaction (benchmarks); all or nothing. */
    void createAll(Collection<Job> jobs, List<Object> params) {
        for (Job job : jobs) {
            if (!Ids.isValid(job.id())) {
                throw new IllegalArgumentException("malformed job id '" + job.id() + "'");
            }
        }
        tx("create", c -> {
            try (PreparedStatement insJob = c.prepareStatement(
                    "INSERT INTO jfunc_jobs (id, state, summary, params, submitter_host) VALUES (?, ?, ?, ?, ?)"
                            + " ON CONFLICT (id) DO NOTHING");
                 PreparedStatement insMinion = c.prepareStatement(
                         "INSERT INTO jfunc_minion_jobs (job_id, minion, state, record) VALUES (?, ?, ?, ?)")) {
                for (Job job : jobs) {
                    Map<MinionState, Integer> counts = Job.countStates(job.minions());
                    Submitter submitter = job.summary().submitter();
                    JobSummary summary = job.summary().with(StoreRules.derive(submitter, counts), submitter, counts);
                    insJob.setString(1, job.id());
                    insJob.setString(2, summary.state().name());
                    insJob.setBytes(3, RecordCodec.encodeSummary(summary));
                    insJob.setBytes(4, params == null ? null : RecordCodec.encodeParams(params));
                    insJob.setString(5, submitter == null ? null : LOCAL_HOST);
                    if (insJob.executeUpdate() == 0) {
                        throw new IllegalArgumentException("job " + job.id() + " already exists");
                    }
                    notify(c, job.id(), summary.state());
                    for (MinionJob m : job.minions()) {
                        insMinion.setString(1, job.id());
                        insMinion.setString(2, m.minion());
                        insMinion.setString(3, m.state().name());
                        insMinion.setBytes(4, RecordCodec.encodeMinion(m));
                        insMinion.addBatch();
                    }
                }
                insMinion.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Optional<List<Object>> params(String id) {
        return tx("read", c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT params FROM jfunc_jobs WHERE id = ?")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next() || rs.getBytes(1) == null) {
                        return Optional.<List<Object>>empty();
                    }
                    return Optional.of(RecordCodec.decodeParams(rs.getBytes(1)));
                }
            }
        });
    }

    @Override
    public Optional<Job> get(String id) {
        return Optional.ofNullable(getAll(List.of(id)).get(id));
    }

    @Override
    public Map<String, Job> getAll(Collection<String> ids) {
        List<String> wanted = List.copyOf(new LinkedHashSet<>(ids));
        if (wanted.isEmpty()) {
            return Map.of();
        }
        return tx("read", c -> {
            Map<String, JobSummary> summaries = new HashMap<>();
            Map<String, List<MinionJob>> minions = new HashMap<>();
            Array idArray = c.createArrayOf("text", wanted.toArray());
            // one snapshot for both queries: a job and its minions as of the same moment
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            Readers readers = new Readers(c);
            try (PreparedStatement st = c.prepareStatement("SELECT id, summary, submitter_host FROM jfunc_jobs WHERE id = ANY (?)")) {
                st.setArray(1, idArray);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        summaries.put(rs.getString(1), readers.decode(rs.getBytes(2), rs.getString(3)));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT job_id, record FROM jfunc_minion_jobs WHERE job_id = ANY (?) ORDER BY job_id, minion")) {
                st.setArray(1, idArray);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        minions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(RecordCodec.decodeMinion(rs.getBytes(2)));
                    }
                }
            }
            Map<String, Job> out = new LinkedHashMap<>();
            for (String id : wanted) {
                JobSummary s = summaries.get(id);
                if (s != null) {
                    out.put(id, new Job(readers.rules.effective(s), minions.getOrDefault(id, List.of())));
                }
            }
            return out;
        });
    }

    @Override
    public JobSummary update(String id, Collection<MinionJob> minions, boolean submissionDone) {
        return tx("update", c -> {
            JobSummary old;
            Readers readers = new Readers(c);
            try (PreparedStatement st = c.prepareStatement("SELECT summary, submitter_host FROM jfunc_jobs WHERE id = ? FOR UPDATE")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalArgumentException("no job " + id);
                    }
                    old = readers.decode(rs.getBytes(1), rs.getString(2));
                }
            }
            Map<String, MinionState> was = new HashMap<>();
            if (!minions.isEmpty()) {
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT minion, state FROM jfunc_minion_jobs WHERE job_id = ? AND minion = ANY (?)")) {
                    st.setString(1, id);
                    st.setArray(2, c.createArrayOf("text", minions.stream().map(MinionJob::minion).distinct().toArray()));
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            was.put(rs.getString(1), MinionState.valueOf(rs.getString(2)));
                        }
                    }
                }
            }
            Map<MinionState, Integer> counts = new EnumMap<>(old.counts());
            Map<String, MinionJob> changed = new LinkedHashMap<>();
            for (MinionJob m : minions) {
                MinionState before = was.get(m.minion());
                if (before == null) {
                    throw new IllegalArgumentException("minion " + m.minion() + " is not part of job " + id);
                }
                if (before.isDone()) {
                    continue; // a result is final: never overwritten by a late or concurrent poll
                }
                changed.put(m.minion(), m);
                was.put(m.minion(), m.state());
                counts.merge(before, -1, Integer::sum);
                counts.merge(m.state(), 1, Integer::sum);
            }
            if (!changed.isEmpty()) {
                try (PreparedStatement st = c.prepareStatement(
                        "UPDATE jfunc_minion_jobs SET state = ?, record = ? WHERE job_id = ? AND minion = ?")) {
                    for (MinionJob m : changed.values()) {
                        st.setString(1, m.state().name());
                        st.setBytes(2, RecordCodec.encodeMinion(m));
                        st.setString(3, id);
                        st.setString(4, m.minion());
                        st.addBatch();
                    }
                    st.executeBatch();
                }
            }
            counts.values().removeIf(n -> n == 0);
            Submitter submitter = submissionDone ? null : old.submitter();
            JobSummary updated = old.with(StoreRules.derive(submitter, counts), submitter, counts);
            // nothing left to re-send: do not keep the arguments (env values, say)
            String sql = StoreRules.nothingToSend(counts)
                    ? "UPDATE jfunc_jobs SET state = ?, summary = ?, params = NULL WHERE id = ?"
                    : "UPDATE jfunc_jobs SET state = ?, summary = ? WHERE id = ?";
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setString(1, updated.state().name());
                st.setBytes(2, RecordCodec.encodeSummary(updated));
                st.setString(3, id);
                st.executeUpdate();
            }
            if (!changed.isEmpty() || updated.state() != old.state()) {
                notify(c, id, updated.state()); // delivered at commit, to every listening service
            }
            return readers.rules.effective(updated);
        });
    }

    @Override
    public List<JobSummary> list(JobState state, String beforeId, int limit) {
        return tx("list", c -> {
            // INCOMPLETE is a RUNNING job whose submitter is gone: read the RUNNING ones.
            JobState stored = state == JobState.INCOMPLETE ? JobState.RUNNING : state;
            StringBuilder sql = new StringBuilder("SELECT summary, submitter_host FROM jfunc_jobs WHERE true");
            if (stored != null) {
                sql.append(" AND state = ?");
            }
            if (beforeId != null) {
                sql.append(" AND id < ?");
            }
            sql.append(" ORDER BY id DESC LIMIT ?");
            Readers readers = new Readers(c);
            List<JobSummary> out = new ArrayList<>(Math.min(limit, 1000));
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (stored != null) {
                    st.setString(i++, stored.name());
                }
                if (beforeId != null) {
                    st.setString(i++, beforeId);
                }
                st.setInt(i, limit);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        JobSummary shown = readers.rules.effective(readers.decode(rs.getBytes(1), rs.getString(2)));
                        if (state == null || shown.state() == state) {
                            out.add(shown);
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public int purge(Instant cutoff, boolean finishedOnly) {
        // every id at or after this one was made at or after the cutoff's millisecond
        String upper = ID_TIME.format(cutoff.plusMillis(1));
        int total = 0;
        String after = "";
        while (true) {
            String from = after;
            // One batch per transaction, so a big purge does not hold locks for long.
            String[] last = new String[1];
            int[] seenInBatch = new int[1];
            int purged = tx("purge", c -> {
                List<String> old = new ArrayList<>();
                int seen = 0;
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT id, summary, submitter_host FROM jfunc_jobs WHERE id > ? AND id < ? ORDER BY id LIMIT " + PURGE_BATCH)) {
                    st.setString(1, from);
                    st.setString(2, upper);
                    Readers readers = new Readers(c);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            seen++;
                            String id = rs.getString(1);
                            last[0] = id;
                            if (!Ids.timeOf(id).isBefore(cutoff)) {
                                continue;
                            }
                            JobState s = readers.rules.effective(readers.decode(rs.getBytes(2), rs.getString(3))).state();
                            if (finishedOnly ? s == JobState.FINISHED : s != JobState.RUNNING) { // a live fan-out is kept
                                old.add(id);
                            }
                        }
                    }
                }
                if (!old.isEmpty()) {
                    try (PreparedStatement del = c.prepareStatement("DELETE FROM jfunc_jobs WHERE id = ANY (?)")) {
                        del.setArray(1, c.createArrayOf("text", old.toArray()));
                        del.executeUpdate();
                    }
                }
                seenInBatch[0] = seen;
                return old.size();
            });
            total += purged;
            if (seenInBatch[0] < PURGE_BATCH) {
                return total;
            }
            after = last[0];
        }
    }

    /** This host's name, as jobs record where their submitter runs. */
    static final String LOCAL_HOST = localHost();

    private static String localHost() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The reading side of one transaction: a submitter on this host is alive when its process
     * runs; one on another host when a live service of that host and pid holds a lease (an
     * embedded CLI there holds none: its job is settled as INCOMPLETE, and the re-sends use the
     * same request ids).
     */
    private static final class Readers {
        private final Connection c;
        private final Map<Submitter, String> hosts = new HashMap<>();
        private java.util.Set<String> leases;
        final StoreRules.Readers rules = new StoreRules.Readers(this::alive);

        Readers(Connection c) {
            this.c = c;
        }

        JobSummary decode(byte[] record, String host) {
            JobSummary s = RecordCodec.decodeSummary(record);
            if (s.submitter() != null && host != null) {
                hosts.put(s.submitter(), host);
            }
            return s;
        }

        private boolean alive(Submitter s) {
            String host = hosts.get(s);
            if (host == null || host.equals(LOCAL_HOST)) {
                return s.isAlive();
            }
            if (leases == null) {
                leases = new java.util.HashSet<>();
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT host, pid FROM jfunc_services WHERE expires > now()")) {
                    while (rs.next()) {
                        leases.add(rs.getString(1) + " " + rs.getLong(2));
                    }
                } catch (SQLException e) {
                    throw new SqlInside(e); // the transaction's own failure (unwrapped in once)
                }
            }
            return leases.contains(host + " " + s.pid());
        }
    }

    private static void notify(Connection c, String id, JobState state) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, CHANNEL);
            st.setString(2, id + " " + state.name());
            st.execute();
        }
    }

    /** One service of those sharing the store, as its lease row says (times by the database's clock). */
    public record Member(String name, String host, long pid, Instant started, Instant renewed, Instant expires,
                         boolean live) {}

    /**
     * Takes or renews the lease of service {@code name} until {@code ttl} from now (the database's
     * clock), and answers every service's row, live or not, by name. Rows expired for a day are removed.
     */
    public List<Member> renew(String name, String host, long pid, Instant started, Duration ttl) {
        return tx("lease", c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO jfunc_services (name, host, pid, started, renewed, expires)"
                    + " VALUES (?, ?, ?, ?, now(), now() + ?::interval) ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host,"
                    + " pid = EXCLUDED.pid, started = EXCLUDED.started, renewed = now(), expires = EXCLUDED.expires")) {
                st.setString(1, name);
                st.setString(2, host);
                st.setLong(3, pid);
                st.setTimestamp(4, java.sql.Timestamp.from(started));
                st.setString(5, ttl.toMillis() + " milliseconds");
                st.executeUpdate();
            }
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM jfunc_services WHERE expires < now() - interval '1 day'");
            }
            return members(c);
        });
    }

    /** Every service's lease row, live or not (jfunc-overlord --status). */
    public List<Member> members() {
        return tx("lease", this::members);
    }

    /** Gives up the lease of {@code name} (a clean stop): its share moves at once. */
    public void release(String name) {
        tx("lease", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE jfunc_services SET expires = now() WHERE name = ?")) {
                st.setString(1, name);
                st.executeUpdate();
            }
            return null;
        });
    }

    private List<Member> members(Connection c) throws SQLException {
        List<Member> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT name, host, pid, started, renewed, expires, expires > now() FROM jfunc_services ORDER BY name")) {
            while (rs.next()) {
                out.add(new Member(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getBoolean(7)));
            }
        }
        return out;
    }

    /**
     * Hears every job's news ({@link #CHANNEL}) on a connection of its own, until closed:
     * {@code news} gets the job id and its state; {@code reconnected} runs after each (re)connection
     * (news may have been missed meanwhile: a database restart). No polling of the tables.
     */
    public AutoCloseable listen(java.util.function.BiConsumer<String, JobState> news, Runnable reconnected) {
        return this.news.listen(news, reconnected);
    }

    /** Woken by this job's NOTIFY (or a reconnection) while {@link #listen} runs; else a short nap. */
    @Override
    public boolean awaitChange(String id, Duration max) {
        return news.listening() ? news.awaitChange(id, max) : JobStore.super.awaitChange(id, max);
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public void timed(Timer t) {
        timer = t;
    }

    @FunctionalInterface
    private interface Body<T> {
        T run(Connection c) throws SQLException;
    }

    /** One transaction: commit when {@code body} returns, roll back when it throws. */
    private <T> T tx(String operation, Body<T> body) {
        long start = System.nanoTime();
        try {
            try {
                return once(body);
            } catch (Broken e) {
                // a pooled connection the database dropped (it restarted): every other connection
                // opened before the restart is dead too, and one used in the last half second is
                // handed out unchecked, so all are retired before once more on a fresh one;
                // nothing was committed, so nothing can apply twice
                pool.getHikariPoolMXBean().softEvictConnections();
                return once(body);
            }
        } catch (Broken e) {
            throw mapped(url, operation + " failed", e.cause, e.cause);
        } catch (SQLException e) {
            throw mapped(url, operation + " failed", e, e);
        } catch (RecordCodec.FormatException e) {
            throw new JobStoreException(e.newer ? JobStoreException.Reason.NEWER_VERSION : JobStoreException.Reason.CORRUPT,
                    "job store " + url + (e.newer ? " holds a record of a newer jfunc (" : " holds an unreadable record (")
                            + e.getMessage() + "); it was left unchanged", e);
        } finally {
            Timer t = timer;
            if (t != null) {
                t.took(operation, System.nanoTime() - start);
            }
        }
    }

    /** A connection that broke before the transaction's commit was sent. */
    private static final class Broken extends Exception {
        final SQLException cause;

        Broken(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /** An SQLException thrown where only unchecked ones may be (a predicate): {@link #once} unwraps it. */
    private static final class SqlInside extends RuntimeException {
        SqlInside(SQLException cause) {
            super(cause);
        }
    }

    private <T> T once(Body<T> body) throws SQLException, Broken {
        try (Connection c = pool.getConnection()) {
            T result;
            try {
                try {
                    result = body.run(c);
                } catch (SqlInside e) {
                    throw (SQLException) e.getCause();
                }
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException again) {
                    e.addSuppressed(again);
                }
                if (e instanceof SQLException q && isConnectionLost(q)) {
                    throw new Broken(q);
                }
                throw e;
            }
            c.commit(); // a failure here leaves the outcome unknown: never retried
            return result;
        }
    }

    /** Connection exceptions (08...) and the server shutting down or restarting (57P01-57P03). */
    private static boolean isConnectionLost(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** What went wrong, in words an admin can act on; never the password. */
    private static JobStoreException mapped(PostgresUrl url, String what, SQLException e, Throwable cause) {
        String state = e == null ? null : e.getSQLState();
        String detail = e == null ? String.valueOf(cause.getMessage()) : rootMessage(e);
        if (state != null && (state.startsWith("28") || state.equals("3D000"))) {
            return new JobStoreException(JobStoreException.Reason.DENIED, "job store " + url + ": the database refused"
                    + " us (" + detail + "): check the user, job_store_password_file (or PGPASSWORD) and the database"
                    + " name", cause);
        }
        if (e == null || isConnectionLost(e) || isTimeout(e)) {
            return new JobStoreException(JobStoreException.Reason.IO, "job store " + url + ": " + what
                    + ": cannot reach the database (" + detail + ")", cause);
        }
        return new JobStoreException(JobStoreException.Reason.IO, "job store " + url + ": " + what + " (" + detail
                + "; nothing was changed)", cause);
    }

    private static boolean isTimeout(SQLException e) {
        return e instanceof java.sql.SQLTransientConnectionException;
    }

    private static String rootMessage(Throwable e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        while (c != null && c != e) {
            if (c.getMessage() != null) {
                m = m == null ? c.getMessage() : m.contains(c.getMessage()) ? m : m + ": " + c.getMessage();
            }
            e = c;
            c = c.getCause();
        }
        return m;
    }
}
