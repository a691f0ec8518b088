package jfunc.overlord.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.overlord.FanOut;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.cli.JfuncCli;
import jfunc.overlord.jobs.RealMinions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** jfunc-overlord in-process with real minions; the CLI in-process, through the socket and embedded. */
@Timeout(180)
class ServiceTest {
    @TempDir
    static Path dir;
    static RealMinions fleet;
    static StateDir state;
    static OverlordService service;

    @BeforeAll
    static void start() throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = List.of(fleet.start("a.example.org"), fleet.start("b.example.org"));
        state = fleet.overlordState(dir.resolve("state"), all);
        service = OverlordService.start(state, settings());
    }

    static ServiceSettings settings() {
        return new ServiceSettings(new FanOut.Limits(16, Duration.ofSeconds(10)), Duration.ofDays(30),
                new java.net.InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(1), Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        fleet.close();
    }

    record Run(int code, String out, String err) {}

    static Run jfunc(String... args) {
        return jfuncOn(state, args);
    }

    /** The CLI in-process on {@code on}, as a user types it. */
    static Run jfuncOn(StateDir on, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--state-dir", on.root().toString()));
        all.addAll(List.of(args));
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theCliGoesThroughTheServiceWithTheSameOutputAndExitCodes() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(service.socket())));
        // rows come as minions answer; --sort gives target order, comparable run to run
        Run via = jfunc("*", "call", "test", "echo", "hi", "--sort");
        Run embedded = jfunc("--no-service", "*", "call", "test", "echo", "hi", "--sort");
        assertEquals(0, via.code, via.err);
        assertEquals(embedded.out, via.out);
        assertEquals(embedded.code, via.code);
        Run ping = jfunc("*", "ping", "--json");
        assertEquals(0, ping.code, ping.err);
        assertTrue(ping.out.contains("a.example.org") && ping.out.contains("b.example.org"), ping.out);
        Run none = jfunc("nomatch*", "ping");
        assertEquals(3, none.code, none.err);
        assertEquals(jfunc("--no-service", "nomatch*", "ping").err, none.err);
        Run list = jfunc("list-minions");
        Run embeddedList = jfunc("--no-service", "list-minions");
        assertEquals(embeddedList.out.lines().map(l -> l.split(" +")[0] + " " + l.split(" +")[1]).toList(),
                list.out.lines().map(l -> l.split(" +")[0] + " " + l.split(" +")[1]).toList(),
                "the same minions and addresses (the heartbeat's columns only through the service)");

        Run async = jfunc("*", "call", "test", "echo", "job", "--async");
        assertEquals(0, async.code, async.err);
        String id = async.out.strip();
        Run status = jfunc("job", "status", id, "--wait", "--timeout", "30");
        assertEquals(0, status.code, status.err);
        assertTrue(status.out.contains("FINISHED"), status.out);
        assertTrue(jfunc("job", "list").out.contains(id));
        // the service is the only writer of the job store while it runs: embedded job commands are refused, clearly
        Run embeddedStatus = jfunc("--no-service", "job", "status", id);
        assertEquals(2, embeddedStatus.code, embeddedStatus.out + embeddedStatus.err);
        assertTrue(embeddedStatus.err.contains("is the only writer of its job store"), embeddedStatus.err);
        Run embeddedAsync = jfunc("--no-service", "*", "call", "test", "echo", "x", "--async");
        assertEquals(2, embeddedAsync.code, embeddedAsync.err);
        assertEquals(0, jfunc("--no-service", "*", "ping").code, "calls that need no store still run embedded");
    }

    @Test
    void everySyncCallIsAJobAndAnAnswerAfterTheTimeoutIsRecorded() throws Exception {
        Run echo = jfunc("*", "call", "test", "echo", "recorded");
        assertEquals(0, echo.code, echo.err);
        Run list = jfunc("job", "list", "--json");
        assertTrue(list.out.contains("test.echo") && list.out.contains("recorded"), list.out);

        Run slow = jfunc("*", "call", "test", "sleep", "3", "--timeout", "1");
        assertEquals(1, slow.code, slow.out + slow.err);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("still running on 2 minions: jfunc job status (\\S+)")
                .matcher(slow.err);
        assertTrue(m.find(), slow.err);
        Run late = jfunc("job", "status", m.group(1), "--wait", "--timeout", "60", "--json");
        assertEquals(0, late.code, late.out + late.err);
        assertTrue(late.out.contains("\"FINISHED\""), late.out);
        assertEquals(2, late.out.split("\"state\": \"FINISHED\"", -1).length - 2, late.out); // the job and both minions
    }

    @Test
    void aSecondServiceOnTheSameStateDirRefuses() {
        ConfigException e = assertThrows(ConfigException.class, () -> OverlordService.start(state, settings()));
        assertTrue(e.getMessage().contains("another jfunc-overlord already serves"), e.getMessage());
        assertEquals(0, jfunc("*", "ping").code, "the first one still serves");
    }

    @Test
    void aStaleSocketMeansEmbeddedWithOneNote() throws Exception {
        Path other = dir.resolve("stale");
        StateDir staleState = fleet.overlordState(other, List.of());
        Path socket = ServiceClient.socket(staleState);
        try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(socket)); // a socket file, and then nobody listens
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JfuncCli.run(new PrintWriter(out), new PrintWriter(err), "--state-dir", other.toString(), "job", "list");
        assertEquals(0, code, err.toString());
        assertEquals(1, err.toString().split("note:", -1).length - 1, err.toString());
        assertTrue(err.toString().contains("running embedded"), err.toString());
    }

    @Test
    void garbageOversizedAndHalfSentRequestsGetFaultsAndTheServiceKeepsServing() throws Exception {
        String garbage = exchange("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nnot xml!!");
        assertTrue(garbage.contains("<fault>") && garbage.contains("<i4>100</i4>"), garbage);
        String big = exchange("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n<x>");
        assertTrue(big.contains("<i4>101</i4>"), big);
        String unknown = exchange(post("<?xml version=\"1.0\"?><methodCall><methodName>rm.rf</methodName><params/></methodCall>"));
        assertTrue(unknown.contains("<i4>102</i4>"), unknown);
        String entity = exchange(post("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                + "<methodCall><methodName>&e;</methodName></methodCall>"));
        assertTrue(entity.contains("<i4>100</i4>") && !entity.contains("root:"), entity);
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) { // half-sent requests and idle connections hold no thread
                SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(service.socket()));
                c.write(ByteBuffer.wrap((i % 2 == 0 ? "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n<?xml"
                        : "").getBytes(StandardCharsets.US_ASCII)));
                held.add(c);
            }
            Run ping = jfunc("*", "ping");
            assertEquals(0, ping.code, ping.err);
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
        assertEquals(0, jfunc("*", "ping").code);
    }

    @Test
    void aRequestFromAnotherUserIsRefusedAndRunsNothing() throws Exception {
        Path socket = service.socket();
        // loosen the file mode and the folders' so that 'nobody' can even reach the socket
        for (Path p = socket.getParent(); p != null && p.startsWith(dir.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        try {
            String script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                    + "b=b'<?xml version=\"1.0\"?><methodCall><methodName>overlord.purge</methodName><params><param>"
                    + "<value>2999-01-01T00:00:00Z</value></param></params></methodCall>'\n"
                    + "s.sendall(b'POST /RPC2 HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %d\\r\\n\\r\\n' % len(b) + b)\n"
                    + "print(s.recv(4096).decode())\n";
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3", "-c", script, socket.toString()).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(said.startsWith("HTTP/1.1 403"), said);
        } finally {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        Run async = jfunc("*", "call", "test", "echo", "kept", "--async");
        assertEquals(0, async.code, async.err);
        assertTrue(jfunc("job", "list").out.contains(async.out.strip()), "the purge did not run");
    }

    @Test
    void pythonXmlRpcClientDrivesTheFleetThroughTheSocket() throws Exception {
        Path example = Path.of("..", "docs", "overlord-socket.py").toAbsolutePath().normalize();
        Process p = new ProcessBuilder("/usr/bin/python3", example.toString(), state.root().toString(), "*")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), said);
        assertEquals("{'a.example.org': True, 'b.example.org': True}", said.strip());
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        jfunc("*", "ping");
        var http = java.net.http.HttpClient.newHttpClient();
        String text = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + service.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(text.contains("jfunc_service_requests_total{method=\"overlord.call\"}"), text);
        assertTrue(text.contains("jfunc_minion_results_total{kind=\"ok\"}"), text);
        assertTrue(text.contains("jfunc_fanout_seconds_count{method=\"test.ping\"}"), text);
        assertTrue(text.contains("jfunc_store_operation_seconds_count{operation=\"create\"}"), text);
        assertTrue(text.contains("jfunc_resubmissions_pending"), text);
        assertTrue(text.contains("jfunc_service_requests_in_flight"), text);
        assertTrue(text.contains("jfunc_pooled_connections "), text);
        java.util.regex.Matcher handshakes = java.util.regex.Pattern.compile("(?m)^jfunc_handshakes_total (\\S+)$").matcher(text);
        assertTrue(handshakes.find() && Double.parseDouble(handshakes.group(1)) >= 1, text);
        assertTrue(text.contains("jfunc_jobs{state=\"finished\"}"), text);
        assertTrue(text.contains("jvm_memory_used_bytes"), text);
    }

    private static String post(String body) {
        return "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    private static String exchange(String request) throws Exception {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(service.socket()))) {
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            InputStream in = java.nio.channels.Channels.newInputStream(c);
            byte[] buf = new byte[65536];
            StringBuilder b = new StringBuilder();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end && !b.toString().contains("</methodResponse>") && !b.toString().contains("HTTP/1.1 4")) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                b.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            return b.toString();
        }
    }
}
