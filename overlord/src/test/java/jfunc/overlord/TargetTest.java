package jfunc.overlord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The targeting rules, against an inventory given in memory. */
class TargetTest {
    static final Inventory INV = Inventory.of(List.of(
            m("web1.example.org"), m("web2.example.org"), m("web10.example.org"),
            m("db1.example.org"), m("db2.example.org"), m("cache1")),
            Map.of("web", List.of("web*"),
                    "db", List.of("db1.example.org", "db2.example.org"),
                    "prod", List.of("@web", "@db", "!web10*"),
                    "loop-a", List.of("@loop-b"),
                    "loop-b", List.of("@loop-a"),
                    "broken", List.of("web[1"),
                    "ghosts", List.of("ghost1", "cache1"),
                    "empty", List.of()));

    static MinionAddress m(String name) {
        return new MinionAddress(name, "127.0.0.1", 51234);
    }

    static List<String> names(String target) throws Exception {
        return Target.parse(target).resolve(INV).names();
    }

    @Test
    void globsMatchNamesInNameOrder() throws Exception {
        assertEquals(List.of("cache1", "db1.example.org", "db2.example.org", "web1.example.org",
                "web10.example.org", "web2.example.org"), names("*"));
        assertEquals(List.of("web1.example.org", "web10.example.org", "web2.example.org"), names("web*"));
        assertEquals(List.of("web1.example.org", "web2.example.org"), names("web?.example.org"));
        assertEquals(List.of("db2.example.org", "web2.example.org"), names("[dw]*2.*"));
        assertEquals(List.of("web2.example.org", "web10.example.org"), names("web[!1].*;web1?.*"));
    }

    @Test
    void listsKeepTargetOrderAndNameEachMinionOnce() throws Exception {
        assertEquals(List.of("db2.example.org", "cache1", "web1.example.org", "web10.example.org", "web2.example.org"),
                names("db2.example.org; cache1;web*;cache1"));
    }

    @Test
    void groupsExpandRecursivelyWithTheirOwnExclusions() throws Exception {
        assertEquals(List.of("db1.example.org", "db2.example.org"), names("@db"));
        assertEquals(List.of("web1.example.org", "web2.example.org", "db1.example.org", "db2.example.org"),
                names("@prod"));
        assertEquals(List.of(), names("@empty"));
    }

    @Test
    void exclusionsRemoveNamesGlobsAndGroups() throws Exception {
        assertEquals(List.of("web1.example.org", "web2.example.org"), names("web*;!web10.example.org"));
        assertEquals(List.of("cache1", "web1.example.org", "web10.example.org", "web2.example.org"), names("!@db"));
        assertEquals(List.of("cache1"), names("*;!db*;!@web"));
        assertEquals(List.of(), names("web1.example.org;!web*"));
    }

    @Test
    void unknownExactNamesAreKeptAndReportedNotDropped() throws Exception {
        Selection s = Target.parse("web1.example.org;web9.example.org;@ghosts").resolve(INV);
        assertEquals(List.of("web1.example.org", "web9.example.org", "ghost1", "cache1"), s.names());
        assertEquals(List.of("web9.example.org", "ghost1"), s.unknown());
        assertEquals(List.of("web1.example.org", "cache1"), s.minions().stream().map(MinionAddress::name).toList());
        assertTrue(Target.parse("nothing*").resolve(INV).isEmpty());
    }

    @Test
    void matchingNothingIsNoMatchWithAHint() {
        NoMatchException e = assertThrows(NoMatchException.class, () -> INV.select("mail*"));
        assertEquals("no minion matches 'mail*' (6 known; see `jfunc '*' list-minions`)", e.getMessage());
        NoMatchException ghost = assertThrows(NoMatchException.class, () -> INV.select("ghost9"));
        assertTrue(ghost.getMessage().contains("not in the inventory: ghost9"), ghost.getMessage());
    }

    @Test
    void badSyntaxIsATargetErrorSayingWhatIsWrong() {
        assertMessage("", "empty target");
        assertMessage("   ", "empty target");
        assertMessage("web1;;web2", "empty part in target 'web1;;web2'");
        assertMessage("web1;", "empty part");
        assertMessage("web[1", "unclosed '['");
        assertMessage("!", "'!' in target '!' must be followed by");
        assertMessage("web1,web2", "unexpected character ',' in 'web1,web2'");
        assertMessage("web 1", "separate parts with ';'");
        assertMessage("we!b", "'!' excludes only at the start");
        assertMessage("a..b", "invalid name 'a..b'");
        assertMessage("../etc", "unexpected character '/'");
        assertMessage("@", "invalid group '@'");
        assertMessage("@a/b", "invalid group '@a/b'");
    }

    @Test
    void groupProblemsAreTargetErrors() {
        TargetException unknown = assertThrows(TargetException.class, () -> names("@nope"));
        assertTrue(unknown.getMessage().startsWith("unknown group '@nope' (known groups: "), unknown.getMessage());
        TargetException cycle = assertThrows(TargetException.class, () -> names("@loop-a"));
        assertEquals("group cycle: @loop-a -> @loop-b -> @loop-a", cycle.getMessage());
        TargetException broken = assertThrows(TargetException.class, () -> names("@broken"));
        assertTrue(broken.getMessage().startsWith("group 'broken' in (given): unclosed '['"), broken.getMessage());
    }

    static void assertMessage(String target, String expected) {
        TargetException e = assertThrows(TargetException.class, () -> Target.parse(target));
        assertTrue(e.getMessage().contains(expected), "'" + target + "' gave: " + e.getMessage());
    }
}
