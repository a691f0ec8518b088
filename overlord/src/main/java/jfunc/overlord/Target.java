package jfunc.overlord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import jfunc.common.Glob;
import jfunc.common.Names;

/**
 * A parsed target expression: which minions a call goes to.
 *
 * <p>Grammar: parts separated by {@code ;}. A part is an exact minion name ({@code web1.example.org}),
 * a glob on names ({@code *}, {@code ?}, {@code [abc]}, {@code [!0-9]}), a group ({@code @web})
 * or one of these preceded by {@code !} to exclude it. Surrounding spaces of a part are ignored.
 * Included parts are taken in order (a glob expands in name order, a name is kept once);
 * exclusions then remove names; a target of exclusions only starts from every known minion.
 * An exact name that is not in the inventory is kept, so that the call reports it as an error
 * instead of dropping it silently.
 *
 * <p>Immutable and thread-safe. Syntax is checked by {@link #parse}; groups are looked up by
 * {@link #resolve}.
 */
public final class Target {
    private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    sealed interface Part permits Exact, Wildcard, Group {}

    record Exact(String name) implements Part {}

    record Wildcard(Glob glob) implements Part {}

    record Group(String name) implements Part {}

    private final String text;
    private final List<Part> includes;
    private final List<Part> excludes;

    private Target(String text, List<Part> includes, List<Part> excludes) {
        this.text = text;
        this.includes = List.copyOf(includes);
        this.excludes = List.copyOf(excludes);
    }

    /** Parses a target expression; the message of the exception says what is wrong and where. */
    public static Target parse(String text) throws TargetException {
        if (text == null || text.isBlank()) {
            throw new TargetException("empty target: give a minion name, a glob such as 'web*', '@group',"
                    + " or '*' for every minion");
        }
        List<Part> includes = new ArrayList<>();
        List<Part> excludes = new ArrayList<>();
        for (String raw : text.split(";", -1)) {
            String part = raw.strip();
            if (part.isEmpty()) {
                throw new TargetException("empty part in target '" + text + "' (parts are separated by ';')");
            }
            if (part.startsWith("!")) {
                String rest = part.substring(1).strip();
                if (rest.isEmpty()) {
                    throw new TargetException("'!' in target '" + text + "' must be followed by a name, glob or @group");
                }
                excludes.add(part(rest, text));
            } else {
                includes.add(part(part, text));
            }
        }
        return new Target(text, includes, excludes);
    }

    /** The expression as given. */
    public String text() {
        return text;
    }

    /**
     * The minions this target selects from {@code inventory}, in target order. May be empty
     * (the caller decides whether that is an error). Throws for an unknown group or a cycle.
     */
    public Selection resolve(Inventory inventory) throws TargetException {
        Set<String> names = select(includes, excludes, inventory, new ArrayDeque<>());
        List<MinionAddress> known = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String n : names) {
            inventory.find(n).ifPresentOrElse(known::add, () -> unknown.add(n));
        }
        Set<String> revoked = new LinkedHashSet<>();
        unknown.stream().filter(inventory::isRevoked).forEach(revoked::add);
        for (Part p : includes) {
            if (p instanceof Wildcard w) {
                inventory.revoked().stream().filter(w.glob()::matches).forEach(revoked::add);
            }
        }
        return new Selection(text, List.copyOf(names), known, unknown, List.copyOf(revoked));
    }

    @Override
    public String toString() {
        return text;
    }

    private static Set<String> select(List<Part> includes, List<Part> excludes, Inventory inv, Deque<String> groups)
            throws TargetException {
        Set<String> names = new LinkedHashSet<>();
        if (includes.isEmpty()) {
            inv.minions().forEach(m -> names.add(m.name()));
        }
        for (Part p : includes) {
            names.addAll(expand(p, inv, groups));
        }
        for (Part p : excludes) {
            names.removeAll(expand(p, inv, groups));
        }
        return names;
    }

    private static Set<String> expand(Part part, Inventory inv, Deque<String> groups) throws TargetException {
        Set<String> out = new LinkedHashSet<>();
        if (part instanceof Exact e) {
            out.add(e.name());
        } else if (part instanceof Wildcard w) {
            inv.minions().stream().map(MinionAddress::name).filter(w.glob()::matches).forEach(out::add);
        } else if (part instanceof Group g) {
            out.addAll(group(g.name(), inv, groups));
        }
        return out;
    }

    /** A group is itself a target (its members joined by ';'), resolved recursively. */
    private static Set<String> group(String name, Inventory inv, Deque<String> stack) throws TargetException {
        List<String> members = inv.groups().get(name);
        if (members == null) {
            String known = inv.groups().isEmpty() ? "no groups are defined" : "known groups: " + String.join(", ", inv.groups().keySet());
            throw new TargetException("unknown group '@" + name + "' (" + known + "; groups file: " + inv.groupsSource() + ")");
        }
        if (stack.contains(name)) {
            List<String> path = new ArrayList<>(stack);
            java.util.Collections.reverse(path);
            path.add(name);
            throw new TargetException("group cycle: @" + String.join(" -> @", path));
        }
        if (members.isEmpty()) {
            return Set.of();
        }
        stack.push(name);
        try {
            Target t;
            try {
                t = parse(String.join(";", members));
            } catch (TargetException e) {
                throw new TargetException("group '" + name + "' in " + inv.groupsSource() + ": " + e.getMessage());
            }
            return select(t.includes, t.excludes, inv, stack);
        } finally {
            stack.pop();
        }
    }

    private static Part part(String p, String whole) throws TargetException {
        if (p.startsWith("@")) {
            String g = p.substring(1);
            if (!GROUP_NAME.matcher(g).matches()) {
                throw new TargetException("invalid group '" + p + "' in target '" + whole
                        + "': group names use letters, digits, '.', '-' and '_'");
            }
            return new Group(g);
        }
        checkCharacters(p, whole);
        boolean wildcard = p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0;
        if (wildcard) {
            try {
                return new Wildcard(Glob.of(p));
            } catch (IllegalArgumentException e) {
                throw new TargetException(e.getMessage() + " (in target '" + whole + "')");
            }
        }
        String problem = Names.problem(p);
        if (problem != null) {
            throw new TargetException(problem + " (in target '" + whole + "')");
        }
        return new Exact(p);
    }

    private static void checkCharacters(String p, String whole) throws TargetException {
        boolean inBracket = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            boolean nameChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == '*' || c == '?';
            if (c == '[' && !inBracket) {
                inBracket = true;
            } else if (c == ']' && inBracket) {
                inBracket = false;
            } else if (!nameChar && !(inBracket && (c == '!' || c == '^'))) {
                String hint = c == ',' || c == ' ' ? " (separate parts with ';')"
                        : c == '!' ? " ('!' excludes only at the start of a part)" : "";
                throw new TargetException("unexpected character '" + printable(c) + "' in '" + p
                        + "' (target '" + whole + "')" + hint);
            }
        }
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
