package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory and identity files of a state dir, read from real files. */
class InventoryTest {
    @TempDir
    Path dir;

    void record(String file, String body) throws Exception {
        Path records = Files.createDirectories(dir.resolve("ca/records"));
        Files.writeString(records.resolve(file), body);
    }

    @Test
    void signedRecordsAreMinionsAndOverridesWin() throws Exception {
        record("web1.properties", "name=web1\naddress=127.0.0.1:52001\nstate=signed\n");
        record("web2.properties", "name=web2\naddress=\nstate=signed\n");
        record("web3.properties", "name=web3\naddress=127.0.0.1:52003\nstate=pending\n");
        record("web4.properties", "name=web4\naddress=127.0.0.1:52004\nstate=revoked\n");
        record("v6.properties", "name=v6\naddress=[::1]:52006\nstate=signed\n");
        record("bad.properties", "name=../x\nstate=signed\n");
        Files.createDirectories(dir.resolve("overlord"));
        Files.writeString(dir.resolve("overlord/minions"),
                "# name host:port\nweb1 10.0.0.1:6000   # moved\nextra.example.org extra.example.org\n");
        Inventory inv = Inventory.load(new StateDir(dir));
        assertEquals(List.of(
                new MinionAddress("extra.example.org", "extra.example.org", 51234),
                new MinionAddress("v6", "::1", 52006),
                new MinionAddress("web1", "10.0.0.1", 6000),
                new MinionAddress("web2", "web2", 51234)), inv.minions());
        assertEquals("[::1]:52006", inv.find("v6").orElseThrow().hostPort());
    }

    @Test
    void groupsFileIsParsedWithContinuationLines() throws Exception {
        record("a.properties", "name=a\nstate=signed\n");
        Files.createDirectories(dir.resolve("overlord"));
        Files.writeString(dir.resolve("overlord/groups"), "# groups\nweb: web1, web[2-4]\n   , @db # more\ndb: db1\nnone:\n");
        Inventory inv = Inventory.load(new StateDir(dir));
        assertEquals(List.of("web1", "web[2-4]", "@db"), inv.groups().get("web"));
        assertEquals(List.of(), inv.groups().get("none"));
    }

    @Test
    void brokenFilesAreConfigErrorsNamingFileAndLine() throws Exception {
        Files.createDirectories(dir.resolve("overlord"));
        Files.writeString(dir.resolve("overlord/minions"), "web1 127.0.0.1:1\nweb2\n");
        assertMessage("minions:2: expected 'NAME HOST:PORT', got 'web2'");
        Files.writeString(dir.resolve("overlord/minions"), "web1 127.0.0.1:99999\n");
        assertMessage("minions:1: '127.0.0.1:99999': port 99999 is out of range");
        Files.writeString(dir.resolve("overlord/minions"), "we/b 127.0.0.1:1\n");
        assertMessage("minions:1: invalid name 'we/b'");
        Files.delete(dir.resolve("overlord/minions"));
        Files.writeString(dir.resolve("overlord/groups"), "web web1\n");
        assertMessage("groups:1: expected 'NAME: member, member, ...'");
        Files.writeString(dir.resolve("overlord/groups"), "web: a\nweb: b\n");
        assertMessage("groups:2: group 'web' is defined twice");
        Files.writeString(dir.resolve("overlord/groups"), "  a, b\n");
        assertMessage("groups:1: continuation line before any");
    }

    @Test
    void aMissingOrWrongStateDirSaysSo() throws Exception {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> Inventory.load(new StateDir(dir.resolve("nope"))));
        assertTrue(missing.getMessage().matches("state dir .*/nope does not exist \\(choose one with --state-dir.*"),
                missing.getMessage());
        Files.writeString(dir.resolve("file"), "x");
        ConfigException file = assertThrows(ConfigException.class, () -> Inventory.load(new StateDir(dir.resolve("file"))));
        assertTrue(file.getMessage().endsWith("is not a directory"), file.getMessage());
        // an empty state dir is a valid, empty inventory
        assertEquals(0, Inventory.load(new StateDir(dir)).size());
    }

    @Test
    void missingIdentityFilesNameThePathAndTheFix() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Overlord.open(new StateDir(dir), FanOut.Limits.defaults()));
        assertEquals("missing " + dir.toRealPath() + "/overlord/overlord.key: the overlord has no identity yet;"
                + " run `jfunc-ca --state-dir " + dir.toRealPath() + " init` first", e.getMessage());
        Files.createDirectories(dir.resolve("overlord"));
        Files.writeString(dir.resolve("overlord/overlord.key"), "not pem");
        Files.writeString(dir.resolve("overlord/overlord.crt"), "not pem");
        Files.writeString(dir.resolve("overlord/ca.crt"), "not pem");
        ConfigException bad = assertThrows(ConfigException.class,
                () -> Overlord.open(new StateDir(dir), new FanOut.Limits(1, Duration.ofSeconds(1))));
        assertTrue(bad.getMessage().contains("overlord.key"), bad.getMessage());
    }

    void assertMessage(String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> Inventory.load(new StateDir(dir)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
