package jfunc.common;

import java.net.InetSocketAddress;

/**
 * A host and port as people type them: {@code web1.example.org:51234}, {@code 127.0.0.1:52001},
 * {@code [::1]:51235}, {@code 0.0.0.0:51235}, or {@code :51235} (no host: "any" when listening,
 * "the caller's address" when advertised). The host is a DNS name (see {@link Names}), an IPv4
 * literal or a bracketed IPv6 literal; the port is 1-65535.
 */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null) {
            host = "";
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String problem = hostProblem(host);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (1-65535)");
        }
    }

    /**
     * Parses {@code host:port}; when {@code defaultPort} is 1-65535 a bare {@code host} takes it,
     * when it is 0 the port is required. Throws IllegalArgumentException saying what is wrong.
     */
    public static HostPort parse(String text, int defaultPort) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address, expected host:port");
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + s + "': unclosed '[' (IPv6 is written [::1]:51234)");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                port = null;
            } else if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else {
                throw new IllegalArgumentException("'" + s + "' is not host:port");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + s + "': write an IPv6 address in brackets, e.g. [::1]:51234");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        int p;
        if (port == null) {
            if (defaultPort < 1 || defaultPort > 65535) {
                throw new IllegalArgumentException("'" + s + "' has no port, expected host:port");
            }
            p = defaultPort;
        } else {
            if (!port.matches("\\d{1,5}")) {
                throw new IllegalArgumentException("'" + s + "': port '" + port + "' is not a number 1-65535");
            }
            p = Integer.parseInt(port);
        }
        try {
            return new HostPort(host, p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "': " + e.getMessage());
        }
    }

    /**
     * Parses a listen address: like {@link #parse}, and port 0 (any free port, for tests) is
     * allowed too. An empty host binds every interface.
     */
    public static InetSocketAddress parseListen(String text, int defaultPort) {
        String s = text == null ? "" : text.trim();
        if (s.endsWith(":0") && !s.endsWith("::0")) {
            HostPort hp = parse(s.substring(0, s.length() - 2) + ":1", 0);
            return hp.host().isEmpty() ? new InetSocketAddress(0) : new InetSocketAddress(hp.host(), 0);
        }
        return parse(s, defaultPort).toSocketAddress();
    }

    /** True when no particular host is named: empty, {@code 0.0.0.0} or {@code ::}. */
    public boolean isWildcard() {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
    }

    /** For binding or connecting; an empty host means every interface. Resolves DNS names. */
    public InetSocketAddress toSocketAddress() {
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String hostProblem(String host) {
        if (host.isEmpty() || Names.isValid(host)) {
            return null;
        }
        if (host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+") && host.length() <= 45) {
            return null;
        }
        return "'" + host + "' is not a host name or IP address";
    }
}
