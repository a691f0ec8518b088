package jfunc.minion;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import jfunc.common.Config;
import jfunc.common.Config.ConfigException;
import jfunc.common.Names;
import jfunc.common.StateDir;

/**
 * The minion's settings, read once from {@link Config} (flags, then {@code JFUNC_*} environment
 * variables, then {@code etc/minion.conf}). Modules read their own keys from {@link #config()}.
 */
public record MinionSettings(String name, StateDir stateDir, InetSocketAddress listen, String ca,
                             String overlordName, Path aclFile, long maxBodyBytes, int workerThreads,
                             Duration crlRefresh, Config config) {
    public static final int DEFAULT_PORT = 51234;
    public static final int DEFAULT_CA_PORT = 51235;

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
        InetSocketAddress listen = address(config.get("listen", "0.0.0.0:" + DEFAULT_PORT), DEFAULT_PORT, "listen");
        String ca = config.get("ca", "localhost:" + DEFAULT_CA_PORT);
        address(ca, DEFAULT_CA_PORT, "ca");
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
        return new MinionSettings(name, stateDir, listen, ca, overlord, aclFile, maxBody, workers, crl, config);
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

    /** Parses "host:port", "[v6]:port", ":port" or "host". */
    public static InetSocketAddress address(String text, int defaultPort, String what) throws ConfigException {
        String s = text.trim();
        String host = s;
        int port = defaultPort;
        int colon = s.lastIndexOf(':');
        if (colon >= 0 && s.indexOf(']') < colon && (s.startsWith("[") || s.indexOf(':') == colon)) {
            host = s.substring(0, colon);
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(what + ": '" + text + "' is not host:port");
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(what + ": port " + port + " is out of range");
        }
        return InetSocketAddress.createUnresolved(host.isEmpty() ? "0.0.0.0" : host, port);
    }
}
