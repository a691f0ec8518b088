package jfunc.overlord.jobs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.StateDir;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcClient;
import jfunc.common.rpc.RpcServer;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.Identity;
import jfunc.minion.testing.TestMinion;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.testing.LoopbackFleet;

/**
 * A fleet of real minions for the overlord's tests: each one a {@link TestMinion} (the minion's
 * own fixture: jfuncd's {@code Minion} with its modules, job service and status file) on
 * 127.0.0.1, all from one test PKI, each with its state under one state dir. What it adds is the
 * overlord's side: {@link #overlordState} (identity, CA records of these minions), revocation,
 * and {@link #counted}, a call-counting relay (a plain {@link RpcServer} holding the minion's
 * certificate, forwarding every call) in front of a minion, so a test can assert how many calls
 * of each method the minion received.
 */
public final class RealMinions implements AutoCloseable {
    final TestPki pki = new TestPki();
    final Identity overlord = pki.overlord();
    private final Path root;
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    /** Calls each counted minion received, by minion then method. */
    final Map<String, Map<String, AtomicInteger>> calls = new ConcurrentHashMap<>();

    private record Running(TestMinion minion, RpcServer relay) {}

    /** How many calls of {@code method} the counted minion {@code name} received. */
    public int callsOf(String name, String method) {
        AtomicInteger n = calls.getOrDefault(name, Map.of()).get(method);
        return n == null ? 0 : n.get();
    }

    public RealMinions(Path root) {
        this.root = root;
    }

    public MinionAddress start(String name) throws Exception {
        return start(name, Map.of(), false);
    }

    MinionAddress counted(String name) throws Exception {
        return start(name, Map.of(), true);
    }

    /** A counted minion whose relay holds each jobs.submit for {@code delayMillis} (a slow network). */
    MinionAddress slowSubmit(String name, long delayMillis) throws Exception {
        submitDelayMillis.put(name, delayMillis);
        return start(name, Map.of(), true);
    }

    private final Map<String, Long> submitDelayMillis = new ConcurrentHashMap<>();

    /** A counted minion whose relay holds only the first jobs.submit for {@code delayMillis}, after passing it on. */
    MinionAddress slowFirstSubmit(String name, long delayMillis) throws Exception {
        firstSubmitDelayMillis.put(name, delayMillis);
        return start(name, Map.of(), true);
    }

    private final Map<String, Long> firstSubmitDelayMillis = new ConcurrentHashMap<>();
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();

    /** Revokes a minion's certificate and writes the new CRL to {@code crlFile} (as a CA would). */
    public void revoke(String name, Path crlFile) throws IOException {
        pki.revoke(identities.get(name));
        Files.writeString(crlFile, jfunc.common.tls.Pem.encode(pki.crl()));
    }

    public MinionAddress start(String name, Map<String, String> config, boolean counted) throws Exception {
        TestMinion minion = TestMinion.in(root).pki(pki).name(name).config(config).start();
        identities.put(name, minion.identity);
        RpcServer relay = counted ? relay(name, minion.identity, minion.address()) : null;
        running.put(name, new Running(minion, relay));
        InetSocketAddress at = relay != null ? relay.address() : minion.address();
        return new MinionAddress(name, "127.0.0.1", at.getPort());
    }

    int calls(String minion, String method) {
        AtomicInteger n = calls.getOrDefault(minion, Map.of()).get(method);
        return n == null ? 0 : n.get();
    }

    int calls(String minion) {
        return calls.getOrDefault(minion, Map.of()).values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Calls the minion {@code name} answered with an identical in-flight call's answer (its own merging). */
    public long mergedOf(String name) {
        Running r = running.get(name);
        return r == null ? 0 : r.minion.minion.registry().mergedCalls();
    }

    /** Stops a minion (its status file is closed; running jobs become LOST on its next start). */
    public void stop(String name) {
        Running r = running.remove(name);
        if (r != null) {
            close(r);
        }
    }

    private RpcServer relay(String name, Identity identity, InetSocketAddress target) throws IOException {
        RpcClient client = new RpcClient(pki.context(overlord), Duration.ofSeconds(5), Duration.ofSeconds(400));
        RpcClient.Endpoint endpoint = new RpcClient.Endpoint(name, "127.0.0.1", target.getPort());
        return LoopbackFleet.startServer(pki, name, identity, 32, (RpcCall call) -> {
            calls.computeIfAbsent(name, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(call.method(), k -> new AtomicInteger()).incrementAndGet();
            long delay = submitDelayMillis.getOrDefault(name, 0L);
            if (delay > 0 && call.method().equals("jobs.submit")) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Object answer = client.call(endpoint, call.method(), call.params().toArray());
            Long first = call.method().equals("jobs.submit") ? firstSubmitDelayMillis.remove(name) : null;
            if (first != null) {
                try {
                    Thread.sleep(first); // the minion has the job; its answer is late
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return answer;
        });
    }

    /** A state dir for the overlord: its identity, the CA certificate, a CRL and CA records of these minions. */
    public StateDir overlordState(Path dir, List<MinionAddress> minions) throws IOException {
        return LoopbackFleet.writeState(dir, pki, overlord, minions);
    }

    private static void close(Running r) {
        if (r.relay != null) {
            r.relay.close();
        }
        r.minion.close();
    }

    @Override
    public void close() {
        for (String name : List.copyOf(running.keySet())) {
            stop(name);
        }
    }
}
