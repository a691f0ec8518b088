package jfunc.overlord;

import java.util.Objects;
import jfunc.common.Names;
import jfunc.common.rpc.RpcClient;

/**
 * Where a minion listens: its certificate name and its advertised host and port. The TLS peer
 * must present a certificate for {@code name}, whatever host it is reached at.
 */
public record MinionAddress(String name, String host, int port) {
    /** The minions' port when a record gives no address (Func's number). */
    public static final int DEFAULT_PORT = 51234;

    public MinionAddress {
        Names.check(name);
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host for minion " + name);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " of minion " + name + " is not in 1-65535");
        }
    }

    /** The address used when nothing is recorded: the name as DNS name, port 51234. */
    public static MinionAddress byName(String name) {
        return new MinionAddress(name, name, DEFAULT_PORT);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    RpcClient.Endpoint endpoint() {
        return new RpcClient.Endpoint(name, host, port);
    }
}
