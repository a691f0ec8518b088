package jfunc.minion;

import jfunc.minion.testing.TestMinion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config;
import jfunc.common.Faults;
import jfunc.common.StateDir;
import org.apache.xmlrpc.XmlRpcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on its own (the async runner's view) and odd results over the wire. */
class ModuleRegistryTest {
    @TempDir
    Path dir;

    /** A site module returning values XML-RPC cannot carry as they are. */
    static final class OddModule implements MinionModule {
        final String name;

        OddModule(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<MethodSpec> methods() {
            return List.of(
                    MethodSpec.method("null_value").handler((a, c) -> null),
                    MethodSpec.method("long_value").handler((a, c) -> 1L << 40),
                    MethodSpec.method("date").handler((a, c) -> Instant.parse("2026-11-23T01:30:00Z")),
                    MethodSpec.method("map_with_null").handler((a, c) -> {
                        Map<String, Object> m = new HashMap<>();
                        m.put("gone", null);
                        m.put("n", 7L);
                        return m;
                    }),
                    MethodSpec.method("io_failure").handler((a, c) -> {
                        throw new java.io.IOException("disk on fire");
                    }),
                    MethodSpec.method("bug").handler((a, c) -> {
                        throw new NullPointerException("oops");
                    }),
                    MethodSpec.method("whoami").handler((a, c) -> c.caller()),
                    MethodSpec.method("opt").param("a", ArgType.STRING).optional("b", ArgType.INT, ArgType.DOUBLE)
                            .handler((a, c) -> a.has(1) ? a.number(1) : -1.0));
        }
    }

    ModuleRegistry registry() throws Exception {
        MinionSettings s = MinionSettings.from(Config.of(Map.of("name", "m1")), null, new StateDir(dir));
        return ModuleRegistry.discover(s, getClass().getClassLoader());
    }

    @Test
    void validateAndInvokeWorkOutsideXmlRpc() throws Exception {
        ModuleRegistry r = registry();
        r.add(new OddModule("odd"));
        r.validate("test.add", List.of(1, 2));
        assertEquals(3, r.invoke("test.add", List.of(1, 2), CallContext.trusted("overlord")));
        XmlRpcException unknown = assertThrows(XmlRpcException.class, () -> r.validate("test.nope", List.of()));
        assertEquals(Faults.UNKNOWN_METHOD, unknown.code);
        XmlRpcException bad = assertThrows(XmlRpcException.class, () -> r.validate("odd.opt", List.of(1)));
        assertEquals(Faults.BAD_ARGUMENTS, bad.code);
        assertEquals("odd.opt: argument 1 must be string, got int", bad.getMessage());
        assertEquals(-1.0, r.invoke("odd.opt", List.of("x"), CallContext.trusted("o")));
        assertEquals(2.0, r.invoke("odd.opt", List.of("x", 2), CallContext.trusted("o")));
        XmlRpcException many = assertThrows(XmlRpcException.class, () -> r.validate("odd.opt", List.of("x", 1, 2)));
        assertTrue(many.getMessage().startsWith("odd.opt: takes 1 to 2 arguments, got 3"), many.getMessage());
        // results are wire-safe already
        assertEquals("1099511627776", r.invoke("odd.long_value", List.of(), CallContext.trusted("o")));
        assertEquals("", r.invoke("odd.null_value", List.of(), CallContext.trusted("o")));
        assertEquals(Faults.MODULE_ERROR, assertThrows(XmlRpcException.class,
                () -> r.invoke("odd.io_failure", List.of(), CallContext.trusted("o"))).code);
    }

    @Test
    void duplicateAndReservedNamesAreRefused() throws Exception {
        ModuleRegistry r = registry();
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> r.add(new OddModule("test")));
        assertTrue(dup.getMessage().contains("already loaded from jfunc.minion.modules.TestModule"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.add(new OddModule("system")));
        assertThrows(IllegalArgumentException.class, () -> r.add(new OddModule("Bad-Name")));
        assertEquals(List.of(), r.methods().stream().filter(m -> m.startsWith("system.")).toList());
    }

    @Test
    void oddResultsAndFailuresReachTheCallerAsValuesOrFaults(@TempDir Path state) throws Exception {
        try (TestMinion m = TestMinion.start(state, Map.of(), List.of(new OddModule("odd")))) {
            assertEquals("", m.call("odd.null_value"));
            assertEquals("1099511627776", m.call("odd.long_value"));
            assertEquals("2026-11-23T01:30:00Z", m.call("odd.date"));
            assertEquals(Map.of("n", "7"), m.call("odd.map_with_null"));
            XmlRpcException io = assertThrows(XmlRpcException.class, () -> m.call("odd.io_failure"));
            assertEquals(Faults.MODULE_ERROR, io.code);
            assertEquals("odd.io_failure: disk on fire", io.getMessage());
            XmlRpcException bug = assertThrows(XmlRpcException.class, () -> m.call("odd.bug"));
            assertEquals(Faults.INTERNAL_ERROR, bug.code);
            assertEquals("overlord", m.call("odd.whoami"));
            // the connection survived all of that
            assertEquals(true, m.call("test.ping"));
        }
    }
}
