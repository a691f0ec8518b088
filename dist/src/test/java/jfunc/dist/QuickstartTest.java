package jfunc.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's quick start script itself (bin/quickstart) against the modules built by
 * this reactor, the way a new user does, and checks what it prints. Maven builds this module
 * last, so every other module is packaged (target/classes + target/lib) by now.
 */
class QuickstartTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    record Run(int exit, String out) {}

    @Test
    void theWholeFlowRunsTwiceInOneFolderAndStopsEverything(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("qs");
        int[] ports = freePorts(4);
        Map<String, String> env = Map.of("JFUNC_QS_CA_PORT", String.valueOf(ports[0]),
                "JFUNC_QS_MINION_PORT", String.valueOf(ports[1]));
        Run first = quickstart(dir, env);
        assertEquals(0, first.exit, first.out);
        String out = first.out;
        // three minions enrolled through the CA with autosign
        for (String m : List.of("web1.quickstart", "web2.quickstart", "db1.quickstart")) {
            assertTrue(Pattern.compile(m + "\\s+signed").matcher(out).find(), m + " signed\n" + out);
        }
        // sync ping and command run answered by all three
        assertEquals(3, count(out, "(?m)^\\S+\\.quickstart\\s+ok\\s+pong"), out);
        assertEquals(3, count(out, "(?m)^\\s+out\\| Linux"), out);
        // async job submitted, waited for and finished on the two web minions
        Matcher job = Pattern.compile("job id: (\\S+)").matcher(out);
        assertTrue(job.find(), out);
        assertTrue(out.contains("job " + job.group(1) + " FINISHED"), out);
        assertEquals(2, count(out, "(?m)^\\s+out\\| done on "), out);
        assertNothingLeftRunning(dir);

        // a second run starts over cleanly in the same folder
        Run second = quickstart(dir, env);
        assertEquals(0, second.exit, second.out);
        assertTrue(second.out.contains("FINISHED"), second.out);
        assertNothingLeftRunning(dir);
    }

    @Test
    void aTakenPortIsNamedAndNothingStarts(@TempDir Path tmp) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int[] ports = freePorts(3);
            Run run = quickstart(tmp.resolve("qs"), Map.of("JFUNC_QS_CA_PORT", String.valueOf(taken.getLocalPort()),
                    "JFUNC_QS_MINION_PORT", String.valueOf(ports[0])));
            assertEquals(2, run.exit, run.out);
            assertTrue(run.out.contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), run.out);
            assertFalse(Files.exists(tmp.resolve("qs/state/ca/ca.key")), "nothing was created");
        }
    }

    static Run quickstart(Path dir, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/quickstart").toString(), dir.toString())
                .redirectErrorStream(true).directory(ROOT.toFile());
        pb.environment().putAll(env);
        pb.environment().remove("JFUNC_STATE_DIR");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static void assertNothingLeftRunning(Path dir) throws IOException {
        try (var pids = Files.list(dir.resolve("logs"))) {
            for (Path f : pids.filter(x -> x.toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(f).trim());
                ProcessHandle.of(pid).ifPresent(h -> {
                    try {
                        h.onExit().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // still alive: the assertion below reports it
                    }
                });
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        "process " + pid + " (" + f.getFileName() + ") still running");
            }
        }
    }

    static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Consecutive free loopback ports are not guaranteed; a free base with free successors is. */
    static int[] freePorts(int n) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = s.getLocalPort();
            }
            if (base + n > 65535) {
                continue;
            }
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    held.add(new ServerSocket(base + i));
                }
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = base + i;
                }
                return out;
            } catch (IOException busy) {
                // try another base
            } finally {
                for (ServerSocket s : held) {
                    s.close();
                }
            }
        }
        throw new IOException("no " + n + " consecutive free ports found");
    }
}
