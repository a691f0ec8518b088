package jfunc.overlord.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests: initdb in a temporary folder, started on an ephemeral
 * loopback port, and stopped (or restarted: a database restart during a job) on demand.
 *
 * <p>The binaries are those of the Debian package ({@code /usr/lib/postgresql/N/bin}, the highest
 * N), else {@code $JFUNC_PG_BIN}, else {@code initdb}/{@code pg_ctl} on the PATH. PostgreSQL
 * refuses to run as root: as root the server runs as the {@code postgres} user (made by the
 * package) through {@code setpriv}, its folder chowned to it; as anyone else, as oneself. Without
 * PostgreSQL the tests that need it are skipped, unless {@code JFUNC_REQUIRE_POSTGRES=1} (CI),
 * where they fail.
 *
 * <p>Login is by password (scram-sha-256) as user {@code jfunc}, the password in
 * {@link #passwordFile()}. fsync is off: these servers hold test data only.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "jfunc";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final String password;
    private final Path passwordFile;
    private final int port;
    private final Thread hook;
    private volatile boolean running;

    private final boolean durable;

    private PostgresServer(Path bin, Path dir, String password, int port, boolean durable) {
        this.durable = durable;
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.password = password;
        this.passwordFile = dir.resolve("client.password");
        this.port = port;
        this.hook = new Thread(this::stopQuietly, "postgres-test-stop");
    }

    /**
     * One server for the whole test JVM (stopped when it exits); each caller should use a database
     * of its own ({@link #newDatabase()}). Never stop or restart it: start one of your own for that.
     */
    public static synchronized PostgresServer shared() throws Exception {
        if (shared == null || !shared.running) {
            shared = start();
        }
        return shared;
    }

    /** A new server of one's own (initdb about 1.5 s, start about 0.5 s on these machines), fsync off. */
    public static PostgresServer start() throws Exception {
        return start(false);
    }

    /**
     * A server that takes TLS connections only ({@code hostssl} in pg_hba.conf): a certificate for
     * 127.0.0.1 made with openssl, its own CA's certificate in {@link #tlsCa()}.
     */
    public static PostgresServer startTlsOnly() throws Exception {
        return start(false, true);
    }

    /** With {@code durable}, fsync and synchronous commits stay on, as on a real server (benchmarks). */
    public static PostgresServer start(boolean durable) throws Exception {
        return start(durable, false);
    }

    private static PostgresServer start(boolean durable, boolean tlsOnly) throws Exception {
        Path bin = binaries();
        Path dir = Files.createTempDirectory("jfunc-pg");
        String password = "pw-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        Files.writeString(dir.resolve("client.password"), password + "\n");
        Path initPw = dir.resolve("init.password");
        Files.writeString(initPw, password + "\n");
        if (isRoot()) {
            UserPrincipal pg = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(dir, pg);
            Files.setOwner(initPw, pg);
        }
        run(bin, dir, List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
                "--auth=scram-sha-256", "--pwfile=" + initPw, "-E", "UTF8", "--no-locale", "--no-sync"), 60);
        Files.delete(initPw);
        if (tlsOnly) {
            tls(dir);
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            PostgresServer s = new PostgresServer(bin, dir, password, freePort(), durable);
            try {
                s.startServer();
                Runtime.getRuntime().addShutdownHook(s.hook);
                return s;
            } catch (IOException e) {
                last = e; // the port was taken meanwhile: another one
            }
        }
        throw last;
    }

    /** The CA certificate of a {@link #startTlsOnly} server (for sslrootcert). */
    public Path tlsCa() {
        return dir.resolve("tls-ca.crt");
    }

    /** A CA and a server certificate for 127.0.0.1 (openssl), ssl = on, and only hostssl lines in pg_hba.conf. */
    private static void tls(Path dir) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=jfunc test database CA", "-keyout", dir.resolve("tls-ca.key").toString(),
                "-out", dir.resolve("tls-ca.crt").toString());
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", dir.resolve("server.key").toString(), "-out", dir.resolve("server.csr").toString());
        Path ext = Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(dir, "x509", "-req", "-in", dir.resolve("server.csr").toString(), "-CA", dir.resolve("tls-ca.crt").toString(),
                "-CAkey", dir.resolve("tls-ca.key").toString(), "-CAcreateserial", "-days", "2", "-extfile", ext.toString(),
                "-out", dir.resolve("server.crt").toString());
        for (String f : List.of("server.crt", "server.key")) {
            Path to = Files.copy(dir.resolve(f), data.resolve(f));
            Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            if (isRoot()) {
                Files.setOwner(to, to.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
            }
        }
        Files.writeString(data.resolve("postgresql.conf"), "\nssl = on\n", java.nio.file.StandardOpenOption.APPEND);
        Path hba = data.resolve("pg_hba.conf");
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(hba)) {
            lines.add(l.startsWith("host ") ? "hostssl" + l.substring(4) : l);
        }
        Files.write(hba, lines);
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** {@code postgresql://jfunc@127.0.0.1:PORT/DATABASE}: a job_store setting. */
    public String url(String database) {
        return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
    }

    /** A fresh, empty database on this server; its job_store URL. */
    public String newDatabase() throws SQLException {
        String name = "jfunc_test_" + DATABASES.incrementAndGet();
        try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    /** A JDBC connection as the test user (autocommit), for checks and for setting up odd states. */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    public int port() {
        return port;
    }

    public String password() {
        return password;
    }

    /** A file holding the password (job_store_password_file). */
    public Path passwordFile() {
        return passwordFile;
    }

    /** Stops the server (fast: open connections are cut); {@link #restart()} brings it back on the same port. */
    public synchronized void stop() throws Exception {
        if (running) {
            run(bin, dir, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"), 60);
            running = false;
        }
    }

    /** Starts it again (after {@link #stop()}), same port, same data. */
    public synchronized void restart() throws Exception {
        startServer();
    }

    private synchronized void startServer() throws IOException {
        String options = "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + dir
                + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
                + " -c shared_buffers=32MB -c max_connections=200";
        try {
            run(bin, dir, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                    "-w", "-t", "60", "-o", options, "start"), 90);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting PostgreSQL", e);
        }
        running = true;
    }

    private void stopQuietly() {
        try {
            if (running) {
                run(bin, dir, List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), 30);
                running = false;
            }
        } catch (Exception e) {
            // the JVM is going: nothing more to do
        }
    }

    @Override
    public void close() throws Exception {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Runs a PostgreSQL program (as postgres when we are root); IOException with its output when it fails. */
    private static void run(Path bin, Path dir, List<String> command, int seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (isRoot()) {
            cmd.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        }
        cmd.addAll(command);
        Path out = Files.createTempFile("jfunc-pg-cmd", ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not end within " + seconds + " s");
            }
            if (p.exitValue() != 0) {
                String log = "";
                Path serverLog = dir.resolve("server.log");
                if (Files.isReadable(serverLog)) {
                    List<String> lines = Files.readAllLines(serverLog, StandardCharsets.UTF_8);
                    log = "\nserver.log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
                }
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(out, StandardCharsets.UTF_8) + log);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Where initdb and pg_ctl are; skips the test (or fails it under JFUNC_REQUIRE_POSTGRES=1) when nowhere. */
    static Path binaries() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("JFUNC_PG_BIN");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.sorted(Comparator.comparing((Path p) -> versionOf(p)).reversed())
                        .forEach(v -> candidates.add(v.resolve("bin")));
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir));
            }
        }
        for (Path c : candidates) {
            if (Files.isExecutable(c.resolve("initdb")) && Files.isExecutable(c.resolve("pg_ctl"))) {
                return c;
            }
        }
        String why = "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin, $JFUNC_PG_BIN or"
                + " the PATH: install the postgresql package";
        if ("1".equals(System.getenv("JFUNC_REQUIRE_POSTGRES"))) {
            throw new IllegalStateException(why);
        }
        Assumptions.abort(why);
        return null;
    }

    private static int versionOf(Path p) {
        try {
            return Integer.parseInt(p.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
