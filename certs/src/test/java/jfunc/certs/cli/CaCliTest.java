package jfunc.certs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.List;
import jfunc.certs.CaSettings;
import jfunc.certs.CaStore;
import jfunc.common.StateDir;
import jfunc.common.tls.CertIssuer;
import jfunc.common.tls.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jfunc-ca in-process: what a user types, what they see, the exit code, what is on disk. */
class CaCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    Result ca(String... args) {
        List<String> all = new ArrayList<>(List.of("--state-dir", dir.toString()));
        all.addAll(List.of(args));
        return raw(all.toArray(new String[0]));
    }

    static Result raw(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CaCli.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    void submit(String name) throws Exception {
        String csr = Pem.encode(CertIssuer.csr(CertIssuer.newKeyPair(), name));
        var answer = new CaStore(new StateDir(dir), CaSettings.defaults()).submit(name, csr, "127.0.0.1:52001", null, n -> false);
        assertEquals("pending", answer.state().wire(), answer.reason());
    }

    @Test
    void initTwiceNeverReplacesTheCa() throws Exception {
        Result first = ca("init");
        assertEquals(0, first.code, first.err);
        assertTrue(first.out.contains("created the CA"), first.out);
        // the line to paste into minion.conf names this CA's certificate (issue 15, finding 9)
        String pin = "ca_fingerprint = SHA256:" + jfunc.common.tls.Certs.fingerprint(
                jfunc.common.tls.Pem.certificates(Files.readString(dir.resolve("ca/ca.crt")), "ca.crt").get(0));
        assertTrue(first.out.lines().anyMatch(l -> l.endsWith(": " + pin)), first.out);
        byte[] key = Files.readAllBytes(dir.resolve("ca/ca.key"));
        for (String f : List.of("ca/ca.key", "overlord/overlord.key")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))), f);
        }
        Result again = ca("init", "--overlord-name", "other");
        assertEquals(0, again.code, again.err);
        assertTrue(again.out.contains("already exists") && again.out.contains("nothing was changed"), again.out);
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("ca/ca.key")));
    }

    @Test
    void aPartialCaIsAnErrorThatNamesWhatIsMissingAndChangesNothing() throws Exception {
        assertEquals(0, ca("init").code);
        Files.delete(dir.resolve("ca/crl.pem"));
        byte[] key = Files.readAllBytes(dir.resolve("ca/ca.key"));
        Result r = ca("init");
        assertEquals(2, r.code);
        assertTrue(r.err.contains(dir.resolve("ca/crl.pem").toString()), r.err);
        assertFalse(Files.exists(dir.resolve("ca/crl.pem")));
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("ca/ca.key")));
    }

    @Test
    void missingOrDamagedCaFilesAreNamedWithExitTwo() throws Exception {
        Result none = ca("list");
        assertEquals(2, none.code);
        assertTrue(none.err.startsWith("error: " + dir.resolve("ca/ca.key")), none.err);
        assertFalse(none.err.contains("Exception"), none.err);
        assertEquals(0, ca("init").code);
        submit("web1");
        byte[] key = Files.readAllBytes(dir.resolve("ca/ca.key"));
        Files.writeString(dir.resolve("ca/ca.key"), "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n");
        Result bad = ca("sign", "web1");
        assertEquals(2, bad.code);
        assertTrue(bad.err.contains(dir.resolve("ca/ca.key").toString()), bad.err);
        assertTrue(Files.exists(dir.resolve("ca/pending/web1.csr")), "nothing signed");
        Files.write(dir.resolve("ca/ca.key"), key);
        Files.delete(dir.resolve("ca/ca.crt"));
        Files.createDirectory(dir.resolve("ca/ca.crt")); // exists but cannot be read as a file
        Result unreadable = ca("sign", "web1");
        assertEquals(2, unreadable.code);
        assertTrue(unreadable.err.contains(dir.resolve("ca/ca.crt").toString()), unreadable.err);
    }

    @Test
    void signRevokeCleanAndList() throws Exception {
        assertEquals(0, ca("init").code);
        submit("web1.example.org");
        submit("db1.example.org");

        Result json = ca("list", "--json");
        assertEquals(0, json.code);
        assertTrue(json.out.contains("\"db1.example.org\": {\"state\": \"pending\", \"address\": \"127.0.0.1:52001\""), json.out);
        assertTrue(json.out.trim().startsWith("{") && json.out.trim().endsWith("}"), json.out);
        assertTrue(json.out.matches("(?s).*\"key_sha256\": \"([0-9A-F]{2}:){31}[0-9A-F]{2}\".*"), json.out);
        Result pendingTable = ca("list");
        assertTrue(pendingTable.out.contains("\nPublic keys of pending requests (SHA-256; the minion logs the same when it"
                + " submits):\n  db1.example.org  "), pendingTable.out);

        Result signed = ca("sign", "web1.example.org");
        assertEquals(0, signed.code, signed.err);
        assertTrue(signed.out.startsWith("signed web1.example.org (serial "), signed.out);
        assertTrue(Files.exists(dir.resolve("ca/signed/web1.example.org.crt")));
        assertFalse(Files.exists(dir.resolve("ca/pending/web1.example.org.csr")));

        Result table = ca("list");
        String[] lines = table.out.split("\n");
        assertTrue(lines[0].startsWith("NAME") && lines[0].contains("ADDRESS"), table.out);
        assertTrue(lines[1].startsWith("db1.example.org   pending"), table.out);
        assertTrue(lines[2].startsWith("web1.example.org  signed"), table.out);

        Result twice = ca("sign", "web1.example.org", "db1.example.org");
        assertEquals(1, twice.code);
        assertTrue(twice.err.contains("web1.example.org is signed, not pending"), twice.err);
        assertTrue(Files.exists(dir.resolve("ca/pending/db1.example.org.csr")), "all or nothing: db1 still pending");

        Result revoked = ca("revoke", "web1.example.org");
        assertEquals(0, revoked.code, revoked.err);
        X509CRL crl = Pem.readCrl(dir.resolve("ca/crl.pem"));
        var cert = Pem.readCertificate(dir.resolve("ca/signed/web1.example.org.crt"));
        assertTrue(crl.isRevoked(cert));
        assertEquals(1, ca("revoke", "web1.example.org").code);
        assertEquals(1, ca("revoke", "db1.example.org").code);

        Result clean = ca("clean", "web1.example.org");
        assertEquals(0, clean.code, clean.err);
        assertFalse(ca("list").out.contains("web1"));
        assertTrue(Pem.readCrl(dir.resolve("ca/crl.pem")).isRevoked(cert), "the CRL still lists it after clean");
        assertEquals(1, ca("clean", "web1.example.org").code);

        Result all = ca("sign", "--all");
        assertEquals(0, all.code);
        assertTrue(all.out.contains("signed db1.example.org"), all.out);
        var db1 = Pem.readCertificate(dir.resolve("ca/signed/db1.example.org.crt"));
        Result cleanSigned = ca("clean", "db1.example.org");
        assertEquals(0, cleanSigned.code);
        assertTrue(cleanSigned.out.contains("revoked db1.example.org"), cleanSigned.out);
        assertTrue(Pem.readCrl(dir.resolve("ca/crl.pem")).isRevoked(db1), "clean of a signed name revokes it");
        Result nothing = ca("sign", "--all");
        assertEquals(0, nothing.code);
        assertTrue(nothing.err.contains("nothing is pending"));
        assertEquals("{}", ca("list", "--json").out.trim());
    }

    @Test
    void usageErrorsAreOneLineWithAHintAndExitTwo() throws Exception {
        Result none = raw();
        assertEquals(2, none.code);
        Result unknown = ca("frobnicate");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.startsWith("error: "), unknown.err);
        assertTrue(unknown.err.contains("hint: "), unknown.err);
        assertEquals(2, unknown.err.strip().split("\n").length, unknown.err);
        assertEquals(2, ca("init").code == 0 ? ca("sign").code : -1);
        assertEquals(2, ca("sign", "x", "--all").code);
        for (String bad : List.of("", "../x", "a b", "a".repeat(254))) {
            Result r = ca("sign", bad);
            assertEquals(2, r.code, bad);
            assertTrue(r.err.startsWith("error: "), r.err);
        }
        assertEquals(2, ca("revoke").code);
        Result help = raw("--help");
        assertEquals(0, help.code);
        assertTrue(help.out.contains("Exit codes") && help.out.contains("Examples"), help.out);
    }
}
