package jfunc.overlord.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config.ConfigException;

/**
 * The groups file: one group per line, {@code NAME: MEMBER, MEMBER, ...}, {@code #} comments.
 * A member is anything a target part may be: a name, a glob, {@code @other-group} or an exclusion
 * {@code !pattern}; a group is resolved like the target made of its members joined by ';'.
 * A long group may continue on following lines that start with whitespace.
 * Member syntax is checked when a target uses the group.
 */
public final class GroupsFile {
    private GroupsFile() {}

    /** Group name → members, in file order; empty when the file does not exist. */
    public static Map<String, List<String>> read(Path file) throws ConfigException {
        List<String> lines = LineFiles.read(file);
        if (lines == null) {
            return Map.of();
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        List<String> current = null;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            String line = LineFiles.stripComment(raw);
            if (line.isEmpty()) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            if (Character.isWhitespace(raw.charAt(0))) {
                if (current == null) {
                    throw new ConfigException(where + "continuation line before any 'NAME: members' line");
                }
                addMembers(current, line, where);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new ConfigException(where + "expected 'NAME: member, member, ...', got '" + line + "'");
            }
            String name = line.substring(0, colon).strip();
            if (!name.matches("[A-Za-z0-9_.-]+")) {
                throw new ConfigException(where + "bad group name '" + name + "' (letters, digits, '.', '-', '_')");
            }
            if (groups.containsKey(name)) {
                throw new ConfigException(where + "group '" + name + "' is defined twice");
            }
            current = new ArrayList<>();
            groups.put(name, current);
            addMembers(current, line.substring(colon + 1), where);
        }
        groups.replaceAll((k, v) -> List.copyOf(v));
        return groups;
    }

    private static void addMembers(List<String> into, String text, String where) throws ConfigException {
        for (String m : text.split(",")) {
            String member = m.strip();
            if (!member.isEmpty()) {
                if (member.contains(";") || member.chars().anyMatch(Character::isWhitespace)) {
                    throw new ConfigException(where + "bad member '" + member + "' (separate members with ',')");
                }
                into.add(member);
            }
        }
    }
}
