package jfunc.overlord.jobs;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code job_store = postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=...&sslrootcert=...]}: where
 * the shared job store lives. The password is never part of it (it would show in logs and
 * {@code ps}): it comes from {@code job_store_password_file}, PGPASSWORD, or the driver's
 * {@code ~/.pgpass}. Query parameters are passed to the PostgreSQL JDBC driver as they are
 * ({@code sslmode=verify-full}, {@code sslrootcert=FILE}, ...).
 */
record PostgresUrl(String user, String host, int port, String database, Map<String, String> params) {
    static final int DEFAULT_PORT = 5432;

    static boolean isPostgres(String setting) {
        return setting != null && (setting.startsWith("postgresql://") || setting.startsWith("postgres://"));
    }

    /** Parses {@code setting}; IllegalArgumentException says what is wrong with it. */
    static PostgresUrl parse(String setting) {
        URI uri;
        try {
            uri = new URI(setting.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL (" + e.getReason() + ")");
        }
        if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
            throw new IllegalArgumentException("holds a password: put it in job_store_password_file (mode 0600) or"
                    + " PGPASSWORD instead, never in the URL");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("names no host (postgresql://USER@HOST[:PORT]/DATABASE)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (database.isEmpty() || database.contains("/")) {
            throw new IllegalArgumentException("names no database (postgresql://USER@HOST[:PORT]/DATABASE)");
        }
        String user = uri.getRawUserInfo() == null ? System.getProperty("user.name") : decode(uri.getRawUserInfo());
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                if (key.equalsIgnoreCase("password")) {
                    throw new IllegalArgumentException("holds a password: put it in job_store_password_file (mode 0600)"
                            + " or PGPASSWORD instead, never in the URL");
                }
                params.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return new PostgresUrl(user, host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database, Map.copyOf(params));
    }

    /** The JDBC URL (host, port, database and the query parameters; no user, no password). */
    String jdbcUrl() {
        StringBuilder b = new StringBuilder("jdbc:postgresql://");
        b.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port).append('/')
                .append(java.net.URLEncoder.encode(database, StandardCharsets.UTF_8));
        return b.toString();
    }

    /** For messages: the URL as an admin wrote it, without secrets (there are none in it). */
    @Override
    public String toString() {
        return "postgresql://" + user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
                + (params.isEmpty() ? "" : "?" + String.join("&", params.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
