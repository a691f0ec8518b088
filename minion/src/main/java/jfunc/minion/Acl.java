package jfunc.minion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.Config.ConfigException;
import java.util.concurrent.atomic.AtomicBoolean;
import jfunc.common.Glob;
import jfunc.common.job.JobProtocol;
import jfunc.common.tls.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call what. The overlord may call everything: a certificate with the
 * {@link jfunc.common.tls.OverlordMark}, whatever its name (names are what enrolment hands out,
 * so a name alone never grants overlord rights). Other callers get what the ACL file grants by
 * certificate name, one {@code certname-glob = method-glob, method-glob} per line:
 * <pre>
 * # monitoring may ping and read facts
 * monitor.example.org = test.ping, facts.*
 * web*.example.org    = test.*
 * </pre>
 * Method globs match the name as called ({@code async.command.run} needs a glob that matches
 * it); {@code jobs.cancel} is granted only by a line that names it ({@code jobs.*} and {@code *} do
 * not). Everyone else, other minions included, is refused.
 *
 * <p>{@code overlordName} (the minion's {@code overlord_name}) grants nothing: a caller with that
 * name but without the mark is logged once as a likely old overlord certificate (made before the
 * mark existed; {@code jfunc-ca init} re-issues it) or an impostor.
 */
final class Acl {
    private static final Logger log = LoggerFactory.getLogger(Acl.class);

    record Rule(Glob who, List<Glob> methods) {}

    private final String overlordName;
    private final List<Rule> rules;
    private final AtomicBoolean unmarkedOverlordLogged = new AtomicBoolean();

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

    boolean allows(Caller caller, String method) {
        if (caller.overlord()) {
            return true;
        }
        String name = caller.name();
        if (name == null || name.isEmpty()) {
            return false;
        }
        noteUnmarked(name);
        // some methods (jobs.cancel) are granted only by a glob that spells them: never by jobs.* or *
        boolean namedOnly = JobProtocol.NAMED_GRANT_ONLY.contains(method);
        for (Rule r : rules) {
            if (r.who().matches(name) && r.methods().stream()
                    .anyMatch(g -> namedOnly ? g.toString().equals(method) : g.matches(method))) {
                return true;
            }
        }
        return false;
    }

    /** True when the caller is granted anything at all (the question asked before a body is read). */
    boolean knows(Caller caller) {
        if (caller.overlord()) {
            return true;
        }
        String name = caller.name();
        if (name == null || name.isEmpty()) {
            return false;
        }
        noteUnmarked(name);
        return rules.stream().anyMatch(r -> r.who().matches(name));
    }

    private void noteUnmarked(String name) {
        if (name.equalsIgnoreCase(overlordName) && unmarkedOverlordLogged.compareAndSet(false, true)) {
            log.warn("a certificate named '{}' (overlord_name) without the jfunc overlord mark called: it gets"
                    + " only what the ACL grants that name. If it is your overlord's certificate from before the"
                    + " mark existed, run `jfunc-ca init` on the CA host to re-issue it; otherwise someone enrolled"
                    + " the overlord's name", name);
        }
    }
}
