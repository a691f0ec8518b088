package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcClient;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Identity;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Authorisation, introspection and multicall, over real mutual TLS. */
class DispatcherTest {
    @TempDir
    static Path dir;
    static TestMinion minion;
    static RpcClient monitor;

    @BeforeAll
    static void start() throws Exception {
        Path acl = dir.resolve("minion-acl.conf");
        Files.writeString(acl, """
                # monitoring may ping, read facts and use the system methods
                monitor.example.org = test.ping, facts.*, system.*
                web*.example.org = test.echo
                """);
        minion = TestMinion.start(dir, Map.of("acl_file", acl.toString()), List.of());
        monitor = minion.client(minion.pki.identity("monitor.example.org", CertIssuer.Usage.CLIENT));
    }

    @AfterAll
    static void stop() {
        minion.close();
    }

    static XmlRpcException fault(RpcClient c, String method, Object... params) {
        return assertThrows(XmlRpcException.class, () -> c.call(minion.endpoint, method, params));
    }

    @Test
    void overlordMayCallEverything() throws Exception {
        assertEquals(true, minion.call("test.ping"));
        assertEquals(5, minion.call("test.add", 2, 3));
        assertEquals("hi", minion.call("test.echo", "hi"));
    }

    @Test
    void aclGrantsOnlyWhatItLists() throws Exception {
        assertEquals(true, monitor.call(minion.endpoint, "test.ping"));
        XmlRpcException e = fault(monitor, "test.echo", "x");
        assertEquals(Faults.FORBIDDEN, e.code);
        assertEquals("forbidden: 'monitor.example.org' may not call test.echo", e.getMessage());
        // unknown methods are not revealed to a caller without a grant
        assertEquals(Faults.FORBIDDEN, fault(monitor, "nope.nothing").code);
        RpcClient web = minion.client(minion.pki.identity("web2.example.org", CertIssuer.Usage.CLIENT));
        assertEquals("x", web.call(minion.endpoint, "test.echo", "x"));
        assertEquals("forbidden: 'web2.example.org' may not call command.run",
                assertThrows(XmlRpcException.class, () -> web.call(minion.endpoint, "command.run", "id")).getMessage());
    }

    @Test
    void anotherMinionIsForbidden() {
        Identity other = minion.pki.minion("m2.example.org");
        RpcClient m2 = minion.client(other);
        XmlRpcException e = fault(m2, "test.ping");
        assertEquals(Faults.FORBIDDEN, e.code);
        // refused from its certificate, before its body (so before its method) is read
        assertEquals("forbidden: 'm2.example.org' may not call anything here", e.getMessage());
        assertEquals(Faults.FORBIDDEN, fault(m2, "system.multicall", (Object) new Object[0]).code);
    }

    @Test
    void unknownMethodsAndBadArgumentsAreFaults() {
        XmlRpcException unknown = fault(minion.overlord, "nope.nothing");
        assertEquals(Faults.UNKNOWN_METHOD, unknown.code);
        assertEquals("unknown method nope.nothing", unknown.getMessage());
        XmlRpcException count = fault(minion.overlord, "test.add", 1);
        assertEquals(Faults.BAD_ARGUMENTS, count.code);
        assertTrue(count.getMessage().startsWith("test.add: takes 2 arguments, got 1"), count.getMessage());
        XmlRpcException type = fault(minion.overlord, "test.add", 1, "2");
        assertEquals(Faults.BAD_ARGUMENTS, type.code);
        assertEquals("test.add: argument 2 must be int, got string", type.getMessage());
        XmlRpcException overflow = fault(minion.overlord, "test.add", Integer.MAX_VALUE, 1);
        assertEquals(Faults.BAD_ARGUMENTS, overflow.code);
    }

    @Test
    void introspection() throws Exception {
        List<Object> modules = Arrays.asList((Object[]) minion.call("system.list_modules"));
        assertTrue(modules.contains("test"), modules.toString());
        List<Object> methods = Arrays.asList((Object[]) minion.call("system.list_methods"));
        assertTrue(methods.containsAll(List.of("system.multicall", "test.ping", "test.add")), methods.toString());
        assertEquals("test.add(a: int, b: int): Adds two whole numbers (32-bit). (read-only: identical calls in flight"
                + " share one answer)", minion.call("system.method_help", "test.add"));
        assertEquals(Faults.UNKNOWN_METHOD, fault(minion.overlord, "system.method_help", "test.nope").code);
        // a limited caller sees only what it may call
        List<Object> mine = Arrays.asList((Object[]) monitor.call(minion.endpoint, "system.list_methods"));
        assertTrue(mine.contains("test.ping") && !mine.contains("test.echo"), mine.toString());
        // ... and help for those only: no signatures, copyfile roots or limits of the others
        assertTrue(((String) monitor.call(minion.endpoint, "system.method_help", "test.ping")).startsWith("test.ping()"));
        XmlRpcException e = fault(monitor, "system.method_help", "copyfile.copyfile");
        assertEquals(Faults.FORBIDDEN, e.code);
        assertEquals("forbidden: 'monitor.example.org' may not call copyfile.copyfile", e.getMessage());
        assertEquals(Faults.FORBIDDEN, fault(monitor, "system.method_help", "test.nope").code);
    }

    @Test
    void multicallRunsEachCallAndAuthorisesEachOne() throws Exception {
        Object[] calls = {
                Map.of("methodName", "test.ping", "params", new Object[0]),
                Map.of("methodName", "test.add", "params", new Object[] {2, 3}),
                Map.of("methodName", "test.add", "params", new Object[] {2}),
                Map.of("methodName", "system.multicall", "params", new Object[] {new Object[0]}),
                "not a struct",
                Map.of("methodName", "test.echo", "params", new Object[] {"x"}),
        };
        Object[] got = (Object[]) minion.call("system.multicall", (Object) calls);
        assertEquals(6, got.length);
        assertArrayEquals(new Object[] {true}, (Object[]) got[0]);
        assertArrayEquals(new Object[] {5}, (Object[]) got[1]);
        assertEquals(Faults.BAD_ARGUMENTS, ((Map<?, ?>) got[2]).get("faultCode"));
        assertEquals(Faults.BAD_ARGUMENTS, ((Map<?, ?>) got[3]).get("faultCode"));
        assertTrue(((Map<?, ?>) got[3]).get("faultString").toString().contains("nested"));
        assertEquals(Faults.BAD_ARGUMENTS, ((Map<?, ?>) got[4]).get("faultCode"));
        assertArrayEquals(new Object[] {"x"}, (Object[]) got[5]);

        // monitor may call multicall (it has grants), but each sub-call is checked
        Object[] mixed = (Object[]) monitor.call(minion.endpoint, "system.multicall", (Object) new Object[] {
                Map.of("methodName", "test.ping", "params", new Object[0]),
                Map.of("methodName", "test.echo", "params", new Object[] {"x"})});
        assertArrayEquals(new Object[] {true}, (Object[]) mixed[0]);
        assertEquals(Faults.FORBIDDEN, ((Map<?, ?>) mixed[1]).get("faultCode"));
    }

    @Test
    void multicallBatchIsCapped() {
        Object[] calls = new Object[MinionDispatcher.MAX_MULTICALL + 1];
        Arrays.fill(calls, Map.of("methodName", "test.ping", "params", new Object[0]));
        XmlRpcException e = fault(minion.overlord, "system.multicall", (Object) calls);
        assertEquals(Faults.BAD_ARGUMENTS, e.code);
        assertTrue(e.getMessage().contains("at most 1000"), e.getMessage());
    }
}
