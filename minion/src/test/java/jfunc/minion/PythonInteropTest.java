package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jfunc.common.tls.Pem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client we did not write: Python 3's xmlrpc.client over mutual TLS with the overlord's PEM files. */
class PythonInteropTest {
    @TempDir
    static Path dir;
    static TestMinion minion;

    static final String SCRIPT = """
            import ssl, sys, xmlrpc.client
            cert, key, ca, port = sys.argv[1:5]
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_verify_locations(ca)
            ctx.load_cert_chain(cert, key)
            ctx.check_hostname = False  # the minion is called by name, not by 127.0.0.1; the chain is still verified
            proxy = xmlrpc.client.ServerProxy("https://127.0.0.1:%s/RPC2" % port, context=ctx)
            ping = proxy.test.ping()
            print("ping", type(ping).__name__, ping)
            run = proxy.command.run(["printf", "out"], {"timeout": 10})
            print("run", type(run).__name__, [type(x).__name__ for x in run], run)
            shell = proxy.command.run("echo err >&2; exit 4")
            print("shell", shell)
            try:
                proxy.test.add(1)
            except xmlrpc.client.Fault as f:
                print("fault", f.faultCode)
            multi = proxy.system.multicall([{"methodName": "test.add", "params": [2, 3]},
                                            {"methodName": "nope.x", "params": []}])
            print("multi", multi)
            """;

    @BeforeAll
    static void start() throws Exception {
        minion = TestMinion.start(dir.resolve("state"), Map.of(), List.of());
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static boolean hasPython() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void pythonXmlrpcClientGetsTheRightTypes() throws Exception {
        Assumptions.assumeTrue(hasPython(), "python3 is not installed");
        Path cert = dir.resolve("overlord.crt");
        Path key = dir.resolve("overlord.key");
        Path ca = dir.resolve("ca.crt");
        Files.writeString(cert, Pem.encodeAll(minion.overlordIdentity.chain()));
        Files.writeString(key, Pem.encodePrivateKey(minion.overlordIdentity.key()));
        Files.writeString(ca, Pem.encode(minion.pki.caCertificate()));
        Path script = dir.resolve("client.py");
        Files.writeString(script, SCRIPT);
        Process p = new ProcessBuilder("python3", script.toString(), cert.toString(), key.toString(), ca.toString(),
                String.valueOf(minion.address().getPort())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals("ping bool True", lines.get(0), out);
        assertEquals("run list ['int', 'str', 'str'] [0, 'out', '']", lines.get(1), out);
        assertEquals("shell [4, '', 'err\\n']", lines.get(2), out);
        assertEquals("fault 103", lines.get(3), out);
        assertEquals("multi [[5], {'faultCode': 102, 'faultString': 'unknown method nope.x'}]", lines.get(4), out);
    }
}
