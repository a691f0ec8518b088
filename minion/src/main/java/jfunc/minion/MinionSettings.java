package jfunc.minion;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.HostPort;
import jfunc.common.Names;
import jfunc.common.StateDir;

/**
 * The minion's settings, read once from {@link Config} (flags, then {@code JFUNC_*} environment
 * variables, then {@code etc/minion.conf}). Modules read their own keys from {@link #config()}.
 * {@code metricsListen} is where Prometheus metrics are served, null when off (the default).
 * {@code advertise}: the address given to the CA at enrolment ({@code advertise}, else the listen
 * address; "" when listening on port 0). {@code enrolMaxWait}: how long the first start waits to
 * be signed, null for ever. {@code shutdownGrace}: what running calls get on SIGTERM.
 * {@code serviceSystemdDir}: where systemd keeps its units at run time (the service module).
 */
public record MinionSettings(String name, StateDir stateDir, InetSocketAddress listen, HostPort ca,
                             String overlordName, Path aclFile, long maxBodyBytes, int workerThreads,
                             Duration crlRefresh, InetSocketAddress metricsListen, String advertise,
                             Duration enrolMaxWait, Duration shutdownGrace, Path serviceSystemdDir, Config config) {
    public static final int DEFAULT_PORT = 51234;
    public static final int DEFAULT_CA_PORT = 51235;
    public static final int DEFAULT_METRICS_PORT = 9235;

    /**
     * Reads the settings. {@code configFile} is the file the config came from (null: none); a
     * relative {@code acl_file} is resolved against its folder, and without {@code acl_file} the
     * ACL is {@code minion-acl.conf} next to it (a missing default ACL grants nothing).
     */
    public static MinionSettings from(Config config, Path configFile, StateDir stateDir) throws ConfigException {
        String name = config.get("name", null);
        if (name == null) {
            name = localName();
        }
        String problem = Names.problem(name);
        if (problem != null) {
            throw new ConfigException("minion name: " + problem);
        }
        InetSocketAddress listen = listenAddress(config.get("listen", "0.0.0.0:" + DEFAULT_PORT));
        HostPort ca;
        try {
            ca = HostPort.parse(config.get("ca", "localhost:" + DEFAULT_CA_PORT), DEFAULT_CA_PORT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ca: " + e.getMessage());
        }
        String overlord = config.get("overlord_name", "overlord");
        Path base = configFile == null ? Path.of("") : configFile.toAbsolutePath().getParent();
        String acl = config.get("acl_file", null);
        Path aclFile = acl == null ? base.resolve("minion-acl.conf") : base.resolve(acl);
        long maxBody = config.getBytes("max_body_bytes", 16L * 1024 * 1024);
        if (maxBody < 1024) {
            throw new ConfigException("max_body_bytes must be at least 1024, got " + maxBody);
        }
        int workers = config.getInt("worker_threads", 16);
        if (workers < 1 || workers > 1024) {
            throw new ConfigException("worker_threads must be between 1 and 1024, got " + workers);
        }
        Duration crl = config.getDuration("crl_refresh", Duration.ofMinutes(5));
        String metrics = config.get("metrics_listen", "off");
        InetSocketAddress metricsListen;
        try {
            metricsListen = metrics.equalsIgnoreCase("off") ? null : HostPort.parseListen(metrics, DEFAULT_METRICS_PORT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("metrics_listen: " + e.getMessage());
        }
        // port 0 (tests: any free port) is only known after binding: advertise "" then
        String listened = listen.getPort() == 0 ? "" : listen.getHostString() + ":" + listen.getPort();
        String advertise = config.get("advertise", listened);
        Duration enrolMaxWait = config.getDuration("enrol_max_wait", null);
        Duration grace = config.getDuration("shutdown_grace", Duration.ofSeconds(5));
        if (grace.isNegative()) {
            throw new ConfigException("shutdown_grace must not be negative, got " + grace);
        }
        Path systemd = Path.of(config.get("service_systemd_dir", "/run/systemd/system"));
        name = name.toLowerCase(java.util.Locale.ROOT);
        return new MinionSettings(name, stateDir, listen, ca, overlord, aclFile, maxBody, workers, crl, metricsListen,
                advertise, enrolMaxWait, grace, systemd, config);
    }

    /** The minion's own folder: {@code STATE/minion/NAME}. */
    public Path minionDir() {
        return stateDir.minion(name);
    }

    /** The host's fully qualified name, else its short name. */
    static String localName() {
        try {
            String fqdn = InetAddress.getLocalHost().getCanonicalHostName();
            if (Names.isValid(fqdn) && !fqdn.matches("[0-9.]+")) {
                return fqdn;
            }
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** Parses a listen address: host:port as {@link HostPort} takes it, or port 0 (any free port, for tests). */
    static InetSocketAddress listenAddress(String text) throws ConfigException {
        String t = text.trim();
        boolean anyPort = t.endsWith(":0");
        try {
            HostPort hp = HostPort.parse(anyPort ? t.substring(0, t.length() - 2) + ":1" : t, DEFAULT_PORT);
            return InetSocketAddress.createUnresolved(hp.isWildcard() ? "0.0.0.0" : hp.host(), anyPort ? 0 : hp.port());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("listen: " + e.getMessage());
        }
    }
}
