package jfunc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BasicsTest {
    @Test
    void namesRefuseWhatCouldWalkPathsOrBreakCertificates() {
        assertNull(Names.problem("web1.example.org"));
        assertNull(Names.problem("db_2"));
        assertNotNull(Names.problem(""));
        assertNotNull(Names.problem(null));
        assertNotNull(Names.problem("../x"));
        assertNotNull(Names.problem("a/b"));
        assertNotNull(Names.problem("has space"));
        assertNotNull(Names.problem("-lead"));
        assertNotNull(Names.problem("a..b"));
        assertNotNull(Names.problem("a".repeat(254)));
        assertThrows(IllegalArgumentException.class, () -> Names.check(".."));
    }

    @Test
    void hostPortsParseWhatPeopleTypeAndRefuseTheRest() {
        assertEquals(new HostPort("web1.example.org", 52001), HostPort.parse("web1.example.org:52001", 0));
        assertEquals("127.0.0.1:51234", HostPort.parse("127.0.0.1", 51234).toString());
        assertEquals("[::1]:51235", HostPort.parse("[::1]:51235", 0).toString());
        assertTrue(HostPort.parse(":51235", 0).isWildcard());
        assertTrue(HostPort.parse("0.0.0.0:1", 0).isWildcard());
        assertFalse(HostPort.parse("h:65535", 0).isWildcard());
        assertEquals(0, HostPort.parseListen("127.0.0.1:0", 1).getPort());
        assertEquals(51235, HostPort.parseListen("127.0.0.1", 51235).getPort());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseListen("a b:0", 1));
        for (String bad : new String[] {"", "h", "h:0", "h:65536", "h:x", "a b:1", "../x:1", "::1:5", "[::1", "h:1:2"}) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad, 0), bad);
        }
    }

    @Test
    void idsAreUniqueAndSortInCreationOrder() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(Ids.next());
        }
        Set<String> unique = new HashSet<>(ids);
        assertEquals(ids.size(), unique.size());
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(null);
        assertEquals(ids, sorted);
        assertTrue(ids.stream().allMatch(Ids::isValid));
        assertFalse(Ids.isValid("20261123-0130-7f3a"));
        assertFalse(Ids.isValid("../../etc"));
        assertNotNull(Ids.timeOf(ids.get(0)));
    }

    @Test
    void idsCarry64RandomBitsAndOldIdsStayValid() {
        Set<String> tails = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String id = Ids.next();
            String tail = id.substring(id.lastIndexOf('-') + 1);
            assertEquals(16, tail.length(), id);
            tails.add(tail);
        }
        assertEquals(1_000, tails.size(), "the random parts differ: an id cannot be guessed from another");
        assertTrue(Ids.isValid("20261123-013045-123-7f3a9c01"), "ids recorded before the random part");
        assertFalse(Ids.isValid("20261123-013045-123-7f3a9c01-5be0"));
    }

    @Test
    void globsMatchLikeAShell() {
        assertTrue(Glob.of("*.web.example.org").matches("a.web.example.org"));
        assertFalse(Glob.of("*.web.example.org").matches("a.db.example.org"));
        assertTrue(Glob.of("db?").matches("db1"));
        assertTrue(Glob.of("db[12]").matches("db2"));
        assertFalse(Glob.of("db[!12]").matches("db2"));
        assertTrue(Glob.of("a+b").matches("a+b"));
        assertThrows(IllegalArgumentException.class, () -> Glob.of("db[1"));
    }

    @Test
    void durationsReadWhatPeopleType() {
        assertEquals(Duration.ofSeconds(30), Durations.parse("30"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5x"));
    }

    @Test
    void configFlagsWinOverEnvironmentOverFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("minion.conf");
        Files.writeString(f, "# comment\nlisten = 0.0.0.0:51234\nforks = 10\nmax_body_bytes = 1MiB\nworkers = many\n");
        Config c = Config.load(f, true, Map.of("forks", "20"), Map.of("JFUNC_LISTEN", "127.0.0.1:9"));
        assertEquals("127.0.0.1:9", c.get("listen", null));
        assertEquals(20, c.getInt("forks", 1));
        assertEquals(1 << 20, c.getBytes("max-body-bytes", 0));
        Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> c.getInt("workers", 1));
        assertTrue(e.getMessage().contains("minion.conf"), e.getMessage());
        assertThrows(Config.ConfigException.class, () -> Config.load(dir.resolve("missing.conf"), true, Map.of(), Map.of()));
    }

    @Test
    void secretsAreWrittenOwnerOnlyAndAtomically(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("sub/k.key");
        SecureFiles.write(key, "secret".getBytes(), true);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> SecureFiles.create(key, new byte[0], true));
        assertEquals("secret", Files.readString(key));
        try (var list = Files.list(key.getParent())) {
            assertEquals(1, list.count(), "no temporary file left behind");
        }
    }

    @Test
    void wireValuesAreAlwaysXmlRpcSafe() {
        assertEquals("", WireValues.toWire(null));
        assertEquals("5000000000", WireValues.toWire(5_000_000_000L));
        Object[] arr = (Object[]) WireValues.toWire(List.of(1, 2L, java.util.Optional.empty()));
        assertEquals(1, arr[0]);
        assertEquals("2", arr[1]);
        assertEquals("", arr[2]);
        assertEquals(1.5, WireValues.toWire(1.5f));
    }
}
