package jfunc.minion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import jfunc.common.rpc.RpcClient;
import jfunc.common.testing.TestPki;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import jfunc.minion.MinionIdentity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, finding 5: one OutOfMemoryError in a CRL refresh stopped refreshing for good, and a
 * revoked certificate was still accepted minutes after the revocation. A real jfuncd (-Xmx64m)
 * now meets an OutOfMemoryError in a refresh (a 200 MB crl.pem), reports the stale CRL, and
 * still applies the next CRL on its own (no SIGHUP).
 */
class CrlRefreshAfterErrorTest {
    @TempDir
    Path state;

    @Test
    void aRefreshThatRunsOutOfMemoryDoesNotStopTheNext() throws Exception {
        TestPki pki = new TestPki();
        MinionIdentity files = new MinionIdentity(state.resolve("minion").resolve(JfuncdProcessTest.NAME));
        files.write(pki.minion(JfuncdProcessTest.NAME), pki.caCertificate(), pki.crl());
        Files.writeString(state.resolve("acl.conf"), "helper.example.org = test.*\n");
        Path conf = state.resolve("minion.conf");
        Files.writeString(conf, "crl_refresh = 1s\n");

        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        Process p = JfuncdProcessTest.start(state, lines, "--ca", "127.0.0.1:1", "--config", conf.toString());
        try {
            Matcher serving = JfuncdProcessTest.awaitServing(p, lines, seen);
            var endpoint = new RpcClient.Endpoint(JfuncdProcessTest.NAME, "127.0.0.1", Integer.parseInt(serving.group(2)));
            Identity helper = pki.identity("helper.example.org", CertIssuer.Usage.CLIENT);
            assertEquals(true, fresh(pki, helper).call(endpoint, "test.ping"));

            // a crl.pem larger than the heap: the next refresh runs out of memory reading it
            Path huge = state.resolve("huge.tmp");
            try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
                f.setLength(200L << 20); // sparse: no disk used
            }
            Files.move(huge, files.crlFile(), StandardCopyOption.REPLACE_EXISTING);
            awaitLine(lines, seen, "CRL refresh failed", "OutOfMemoryError");
            awaitLine(lines, seen, "the CRL in use has not been refreshed for");

            // the helper is revoked and the CRL delivered: the next refresh applies it
            pki.revoke(helper);
            files.writeCrl(pki.crl());
            boolean refused = false;
            for (int i = 0; i < 100 && !refused; i++) {
                try {
                    fresh(pki, helper).call(endpoint, "test.ping");
                    Thread.sleep(100);
                } catch (XmlRpcException e) {
                    refused = true;
                }
            }
            assertTrue(refused, "the revoked helper was still served 10 s after its CRL arrived:\n"
                    + String.join("\n", seen));
            awaitLine(lines, seen, "the CRL is refreshed again");
            assertTrue(p.isAlive());
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static RpcClient fresh(TestPki pki, Identity who) {
        return new RpcClient(pki.context(who), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private static void awaitLine(LinkedBlockingQueue<String> lines, List<String> seen, String... parts)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String l : seen) {
                if (List.of(parts).stream().allMatch(l::contains)) {
                    return;
                }
            }
            String l = lines.poll(200, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.add(l);
            }
        }
        throw new AssertionError("no line with " + List.of(parts) + " in:\n" + String.join("\n", seen));
    }
}
