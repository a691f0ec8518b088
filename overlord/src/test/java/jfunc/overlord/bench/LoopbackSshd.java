package jfunc.overlord.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An sshd of the benchmark's own, for the scp comparison: OpenSSH's {@code sshd} started from a
 * temporary config with a temporary host key, listening on {@code n} ephemeral ports of 127.0.0.1
 * only (one per minion it stands for), key-only login with a temporary client key (no password,
 * no PAM), in the foreground so that {@link #close} stops it (and any session left) within a few
 * seconds. Not the system's ssh service, which it neither reads nor touches.
 */
final class LoopbackSshd implements AutoCloseable {
    private static final List<String> SBIN = List.of("/usr/sbin", "/usr/local/sbin", "/sbin");

    final List<Integer> ports;
    private final Path key;
    private final Process sshd;
    private final Path log;

    private LoopbackSshd(List<Integer> ports, Path key, Process sshd, Path log) {
        this.ports = ports;
        this.key = key;
        this.sshd = sshd;
        this.log = log;
    }

    /** Why there is no scp comparison here (sshd, scp or ssh-keygen not installed), or empty. */
    static Optional<String> absent() {
        List<String> missing = new ArrayList<>();
        if (program("sshd").isEmpty()) {
            missing.add("sshd");
        }
        for (String p : List.of("scp", "ssh-keygen")) {
            if (program(p).isEmpty()) {
                missing.add(p);
            }
        }
        return missing.isEmpty() ? Optional.empty()
                : Optional.of(String.join(", ", missing) + " not installed (Debian: apt-get install openssh-server)");
    }

    static Optional<Path> program(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(SBIN);
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }

    /** Starts sshd on {@code n} free ports of 127.0.0.1, its files under {@code dir}; ready when every port answers. */
    static LoopbackSshd start(Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        Path hostKey = dir.resolve("host_ed25519");
        Path key = dir.resolve("client_ed25519");
        keygen(hostKey);
        keygen(key);
        Path authorized = dir.resolve("authorized_keys");
        Files.copy(dir.resolve("client_ed25519.pub"), authorized);
        List<Integer> ports = new ArrayList<>();
        StringBuilder config = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int port = freePort();
            ports.add(port);
            config.append("ListenAddress 127.0.0.1:").append(port).append('\n');
        }
        config.append("HostKey ").append(hostKey).append('\n')
                .append("PidFile ").append(dir.resolve("sshd.pid")).append('\n')
                .append("AuthorizedKeysFile ").append(authorized).append('\n')
                .append("""
                        PubkeyAuthentication yes
                        PasswordAuthentication no
                        KbdInteractiveAuthentication no
                        UsePAM no
                        PermitRootLogin prohibit-password
                        StrictModes no
                        MaxStartups 100:30:200
                        Subsystem sftp internal-sftp
                        LogLevel ERROR
                        """);
        Path conf = dir.resolve("sshd_config");
        Files.writeString(conf, config);
        if (isRoot()) {
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory, as its package makes it
        }
        Path log = dir.resolve("sshd.log");
        Process sshd = new ProcessBuilder(program("sshd").orElseThrow().toString(), "-D", "-e", "-f", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LoopbackSshd started = new LoopbackSshd(ports, key, sshd, log);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int port : ports) {
            while (!answers(port)) {
                if (!sshd.isAlive() || System.nanoTime() > until) {
                    started.close();
                    throw new IOException("sshd did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
        return started;
    }

    /** {@code scp FILE 127.0.0.1:DEST} on {@code port}, as the current user with the temporary key. */
    Process scp(Path file, int port, Path dest) throws IOException {
        return new ProcessBuilder(program("scp").orElseThrow().toString(), "-q", "-F", "/dev/null", "-i", key.toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
                "-P", Integer.toString(port), file.toString(),
                System.getProperty("user.name") + "@127.0.0.1:" + dest).redirectErrorStream(true).start();
    }

    /** The OpenSSH version, for the report. */
    static String version() throws Exception {
        Process p = new ProcessBuilder(program("ssh").map(Path::toString).orElse("ssh"), "-V").redirectErrorStream(true).start();
        String v = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor(10, TimeUnit.SECONDS);
        return v;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    private static void keygen(Path file) throws Exception {
        Process p = new ProcessBuilder(program("ssh-keygen").orElseThrow().toString(), "-q", "-t", "ed25519", "-N", "",
                "-C", "jfunc-bench", "-f", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops sshd and every session it still has, bounded: TERM, then KILL after 5 s. */
    @Override
    public void close() {
        List<ProcessHandle> all = Stream.concat(sshd.descendants(), Stream.of(sshd.toHandle())).toList();
        all.forEach(ProcessHandle::destroy);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}
