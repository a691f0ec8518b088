package jfunc.overlord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code jfunc ...} line in README.md's code blocks, run as written (shell quoting, the
 * {@code id=$(...)} and {@code "$id"} of the async examples) against real minions named as the
 * examples name them (their ./ paths in a scratch folder, /etc/myapp/ in the minions' getfile root).
 * A documented command must never be a usage error or match nothing; those
 * that do not depend on software the host lacks (yum, nginx) must exit 0.
 */
@Timeout(300)
class ReadmeExamplesTest {
    /** A job id the README shows literally; it stands for a real job here. */
    static final String SAMPLE_JOB_ID = "20261123-013045-123-7f3a9c01";
    /** Examples that need software this host may not have: they may exit 1 (a failed minion), nothing worse. */
    static final List<String> HOST_DEPENDENT = List.of("yum", "nginx", "\"$id\"");

    @TempDir
    static Path dir;
    static RealMinions fleet;
    static String state;
    /** The examples' working folder (their ./motd, ./configs) and the minions' getfile root (their /etc/myapp). */
    static Path cwd;
    static Path myapp;

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        cwd = Files.createDirectories(dir.resolve("cwd"));
        Files.writeString(cwd.resolve("motd"), "welcome\n");
        Files.createDirectories(cwd.resolve("configs"));
        myapp = Files.createDirectories(dir.resolve("myapp"));
        Files.writeString(myapp.resolve("app.conf"), "key = value\n");
        List<MinionAddress> all = new ArrayList<>();
        for (String name : List.of("web1", "web2", "web3", "db1", "cache1", "www.web.example.org")) {
            all.add(fleet.start(name, Map.of("getfile_roots", myapp.toString()), false));
        }
        state = fleet.overlordState(dir.resolve("state"), all).root().toString();
        Files.writeString(Path.of(state, "overlord", "groups"), "webservers: web*\n");
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void everyJfuncExampleInTheReadmeWorks() throws Exception {
        List<String> examples = examples(Files.readString(readme()));
        assertTrue(examples.size() >= 20, "found only " + examples.size() + " examples");
        Map<String, String> vars = new HashMap<>();
        vars.put("a", submit("web1", "test", "ping"));
        vars.put("b", submit("web2", "test", "echo", "b"));
        String sample = submit("*", "test", "ping");
        List<String> problems = new ArrayList<>();
        for (String line : examples) {
            String assign = null;
            String command = line;
            if (line.matches("[a-z]+=\\$\\(.*\\)")) {
                assign = line.substring(0, line.indexOf('='));
                command = line.substring(line.indexOf("$(") + 2, line.length() - 1);
            }
            List<String> words = new ArrayList<>(ShellWords.split(command, vars));
            assertEquals("jfunc", words.remove(0), line);
            words.replaceAll(w -> w.equals(SAMPLE_JOB_ID) ? sample
                    : w.startsWith("./") ? cwd.resolve(w.substring(2)).toString()
                    : w.startsWith("/etc/myapp/") ? myapp.resolve(w.substring("/etc/myapp/".length())).toString() : w);
            words.addAll(0, List.of("--state-dir", state));
            CliTest.Run r = CliTest.jfunc(words.toArray(String[]::new));
            boolean hostDependent = HOST_DEPENDENT.stream().anyMatch(line::contains);
            if (!(r.code() == 0 || (hostDependent && r.code() == 1))) {
                problems.add(line + "\n  -> exit " + r.code() + "\n" + r.out() + r.err());
            }
            if (assign != null) {
                vars.put(assign, r.out().trim());
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertFalse(vars.get("id").isEmpty());
    }

    /**
     * Every {@code jfunc-ca ...} line of README's code blocks: init and list run for real on a
     * fresh state dir; serve (a long-lived process), sign, revoke and clean (which need an enrolled
     * minion: CaCliTest and ServeProcessTest run them) run with --help appended, so their words
     * must at least parse as written.
     */
    @Test
    void everyJfuncCaExampleInTheReadmeParsesAndInitAndListRun(@TempDir Path caState) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readString(readme()).split("\n")) {
            String c = ShellWords.stripComment(l).strip();
            if (c.startsWith("jfunc-ca ")) {
                lines.add(c);
            }
        }
        assertTrue(lines.size() >= 6, "found only " + lines);
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            List<String> words = new ArrayList<>(ShellWords.split(line, Map.of()));
            words.remove(0);
            words.addAll(0, List.of("--state-dir", caState.toString()));
            boolean runs = words.contains("init") || words.contains("list");
            if (!runs) {
                words.add("--help");
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int code = jfunc.certs.cli.CaCli.run(new java.io.PrintStream(out, true), new java.io.PrintStream(out, true),
                    words.toArray(String[]::new));
            if (code != 0) {
                problems.add(line + "\n  -> exit " + code + "\n" + out);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static String submit(String... call) {
        List<String> args = new ArrayList<>(List.of("--state-dir", state, call[0], "call"));
        args.addAll(List.of(call).subList(1, call.length));
        args.add("--async");
        CliTest.Run r = CliTest.jfunc(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r.out().trim();
    }

    /** The lines of the README's code blocks that run jfunc, without their trailing comments. */
    static List<String> examples(String readme) {
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            String l = ShellWords.stripComment(line).strip();
            if (inBlock && (l.startsWith("jfunc ") || l.matches("[a-z]+=\\$\\(jfunc .*"))) {
                out.add(l);
            }
        }
        return out;
    }

    static Path readme() {
        return repoFile("README.md");
    }

    /** A file of the source checkout by its path from the top (README.md, etc/minion.conf). */
    static Path repoFile(String path) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("overlord"))) {
                return p.resolve(path);
            }
        }
        throw new AssertionError(path + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Just enough of the shell's word splitting for README lines: '...', "...", $name. */
    static final class ShellWords {
        static List<String> split(String line, Map<String, String> vars) {
            List<String> words = new ArrayList<>();
            StringBuilder w = null;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == ' ' || c == '\t') {
                    if (w != null) {
                        words.add(w.toString());
                        w = null;
                    }
                    continue;
                }
                if (w == null) {
                    w = new StringBuilder();
                }
                if (c == '\'') {
                    int end = line.indexOf('\'', i + 1);
                    w.append(line, i + 1, end);
                    i = end;
                } else if (c == '"') {
                    int end = line.indexOf('"', i + 1);
                    w.append(expand(line.substring(i + 1, end), vars));
                    i = end;
                } else if (c == '$') {
                    int end = i + 1;
                    while (end < line.length() && Character.isLetterOrDigit(line.charAt(end))) {
                        end++;
                    }
                    w.append(expand(line.substring(i, end), vars));
                    i = end - 1;
                } else {
                    w.append(c);
                }
            }
            if (w != null) {
                words.add(w.toString());
            }
            return words;
        }

        private static String expand(String s, Map<String, String> vars) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '$') {
                    int end = i + 1;
                    while (end < s.length() && Character.isLetterOrDigit(s.charAt(end))) {
                        end++;
                    }
                    String name = s.substring(i + 1, end);
                    if (!vars.containsKey(name)) {
                        throw new AssertionError("README example uses $" + name + ", which the test does not set");
                    }
                    b.append(vars.get(name));
                    i = end - 1;
                } else {
                    b.append(s.charAt(i));
                }
            }
            return b.toString();
        }

        /** The line up to a '#' that starts a word outside quotes. */
        static String stripComment(String line) {
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '#' && (i == 0 || line.charAt(i - 1) == ' ')) {
                    return line.substring(0, i);
                }
            }
            return line;
        }
    }
}
