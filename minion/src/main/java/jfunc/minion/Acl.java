package jfunc.minion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.Config.ConfigException;
import jfunc.common.Glob;

/**
 * Who may call what. The overlord's certificate name may call everything; other names get what
 * the ACL file grants, one {@code certname-glob = method-glob, method-glob} per line:
 * <pre>
 * # monitoring may ping and read facts
 * monitor.example.org = test.ping, facts.*
 * web*.example.org    = test.*
 * </pre>
 * Method globs match the name as called ({@code async.command.run} needs a glob that matches
 * it). Everyone else, other minions included, is refused.
 */
final class Acl {
    record Rule(Glob who, List<Glob> methods) {}

    private final String overlordName;
    private final List<Rule> rules;

    Acl(String overlordName, List<Rule> rules) {
        this.overlordName = overlordName;
        this.rules = List.copyOf(rules);
    }

    /** Reads an ACL file; a missing file grants nothing beyond the overlord. */
    static Acl load(String overlordName, Path file, boolean required) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new ConfigException("ACL file " + file + " not found");
            }
            return new Acl(overlordName, List.of());
        } catch (IOException e) {
            throw new ConfigException("cannot read ACL file " + file + ": " + e.getMessage());
        }
        return parse(overlordName, lines, file.toString());
    }

    static Acl parse(String overlordName, List<String> lines, String source) throws ConfigException {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String where = source + ":" + (i + 1);
            if (eq <= 0) {
                throw new ConfigException(where + ": expected 'certname = method-glob, ...', got '" + line + "'");
            }
            try {
                Glob who = Glob.of(line.substring(0, eq).strip());
                List<Glob> methods = new ArrayList<>();
                for (String m : line.substring(eq + 1).split(",")) {
                    if (!m.isBlank()) {
                        methods.add(Glob.of(m.strip()));
                    }
                }
                if (methods.isEmpty()) {
                    throw new ConfigException(where + ": no method globs after '='");
                }
                rules.add(new Rule(who, methods));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
        }
        return new Acl(overlordName, rules);
    }

    boolean allows(String caller, String method) {
        if (caller == null || caller.isEmpty()) {
            return false;
        }
        if (caller.equals(overlordName)) {
            return true;
        }
        for (Rule r : rules) {
            if (r.who().matches(caller) && r.methods().stream().anyMatch(g -> g.matches(method))) {
                return true;
            }
        }
        return false;
    }

    /** True when the caller is granted anything at all. */
    boolean knows(String caller) {
        return caller != null && (caller.equals(overlordName) || rules.stream().anyMatch(r -> r.who().matches(caller)));
    }
}
