package jfunc.overlord;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.inventory.CaRecords;
import jfunc.overlord.inventory.GroupsFile;
import jfunc.overlord.inventory.OverridesFile;

/**
 * The minions the overlord knows, with their addresses, and the groups that name sets of them.
 *
 * <p>{@link #load} reads, from the state dir:
 * <ul>
 *   <li>{@code ca/records/*.properties}: every record in state {@code signed} (written by the CA;
 *       {@code address} empty means "the name as DNS name, port 51234");
 *   <li>{@code overlord/minions} (optional): {@code NAME HOST:PORT} lines, which win over the
 *       records and may add minions;
 *   <li>{@code overlord/groups} (optional): {@code NAME: member, member} lines (see
 *       {@code etc/groups} for a commented example).
 * </ul>
 * Immutable and thread-safe; minions are kept in name order.
 */
public final class Inventory {
    /** The overrides file, relative to {@code STATE/overlord}. */
    public static final String OVERRIDES_FILE = "minions";
    /** The groups file, relative to {@code STATE/overlord}. */
    public static final String GROUPS_FILE = "groups";

    private final Map<String, MinionAddress> minions;
    private final Map<String, List<String>> groups;
    private final String source;
    private final String groupsSource;
    private final java.util.SortedSet<String> revoked;

    private Inventory(Map<String, MinionAddress> minions, Map<String, List<String>> groups, String source,
                      String groupsSource, java.util.SortedSet<String> revoked) {
        this.revoked = revoked;
        this.minions = minions;
        this.groups = groups;
        this.source = source;
        this.groupsSource = groupsSource;
    }

    /** An inventory of exactly these minions and groups (tests, embedding). Later duplicates win. */
    public static Inventory of(Collection<MinionAddress> minions, Map<String, List<String>> groups) {
        Map<String, MinionAddress> byName = new TreeMap<>();
        minions.forEach(m -> byName.put(m.name(), m));
        Map<String, List<String>> g = new LinkedHashMap<>();
        groups.forEach((k, v) -> g.put(k, List.copyOf(v)));
        return new Inventory(byName, g, "(given)", "(given)", new TreeSet<>());
    }

    /** Reads the inventory of a state dir; errors name the file (and line) at fault. */
    public static Inventory load(StateDir state) throws ConfigException {
        checkReadableDir(state.root(), "state dir");
        Path records = state.ca().resolve("records");
        Path overrides = state.overlord().resolve(OVERRIDES_FILE);
        Path groupsFile = state.overlord().resolve(GROUPS_FILE);
        Map<String, MinionAddress> byName = new TreeMap<>();
        CaRecords.read(records).forEach(m -> byName.put(m.name(), m));
        OverridesFile.read(overrides).forEach(m -> byName.put(m.name(), m));
        Map<String, List<String>> groups = GroupsFile.read(groupsFile);
        TreeSet<String> revoked = new TreeSet<>(CaRecords.revoked(records));
        revoked.removeAll(byName.keySet()); // re-enrolled, or given an address in the overrides file
        return new Inventory(byName, groups, records + " (signed) and " + overrides, groupsFile.toString(), revoked);
    }

    /** Every known minion, in name order. */
    public List<MinionAddress> minions() {
        return new ArrayList<>(minions.values());
    }

    public Optional<MinionAddress> find(String name) {
        return Optional.ofNullable(minions.get(name));
    }

    /** Names whose certificate the CA revoked (and that are not minions again), in name order. */
    public java.util.SortedSet<String> revoked() {
        return java.util.Collections.unmodifiableSortedSet(revoked);
    }

    public boolean isRevoked(String name) {
        return revoked.contains(name);
    }

    public int size() {
        return minions.size();
    }

    /** Group name → members (target parts), in file order. */
    public Map<String, List<String>> groups() {
        return java.util.Collections.unmodifiableMap(groups);
    }

    /** Where the minions came from, for messages. */
    public String source() {
        return source;
    }

    /** Where the groups came from, for messages. */
    public String groupsSource() {
        return groupsSource;
    }

    /**
     * Parses and resolves {@code target}. Throws {@link TargetException} for bad syntax or an
     * unknown group, {@link NoMatchException} when no known minion is selected.
     */
    public Selection select(String target) throws TargetException, NoMatchException {
        Selection s = Target.parse(target).resolve(this);
        if (s.isEmpty() && s.unknown().stream().noneMatch(this::isRevoked)) {
            String unknown = s.unknown().isEmpty() ? ""
                    : "not in the inventory: " + String.join(", ", s.unknown()) + "; ";
            throw new NoMatchException("no minion matches '" + target + "' (" + unknown + size()
                    + " known; see `jfunc '*' list-minions`)");
        }
        return s;
    }

    static void checkReadableDir(Path dir, String what) throws ConfigException {
        if (!Files.exists(dir)) {
            throw new ConfigException(what + " " + dir + " does not exist (choose one with --state-dir or "
                    + StateDir.ENV + "; `jfunc-ca init` creates it)");
        }
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(what + " " + dir + " is not a directory");
        }
        try (var s = Files.newDirectoryStream(dir)) {
            s.iterator().hasNext();
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read " + what + " " + dir + ": permission denied");
        } catch (java.io.IOException e) {
            throw new ConfigException("cannot read " + what + " " + dir + ": " + e.getMessage());
        }
    }
}
