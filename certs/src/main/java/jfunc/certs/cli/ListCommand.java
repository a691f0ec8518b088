package jfunc.certs.cli;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jfunc.certs.CaRecord;
import jfunc.certs.CaStore;
import jfunc.common.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "list",
        footerHeading = "%nExamples:%n",
        footer = {"  jfunc-ca list", "  jfunc-ca list --json"}, mixinStandardHelpOptions = true,
        description = {"Lists every name the CA knows: pending requests first, then signed, then revoked, "
                + "with the advertised address, dates (UTC) and certificate expiry.",
                "--json prints one object by name, as jfunc's --json does; each holds the record's keys (state, "
                        + "address, serial, submitted, signed, revoked) plus expires and key_sha256 (the public key's "
                        + "SHA-256, which the minion logs when it submits); absent values are left out."})
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    CaCli cli;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CaStore store = cli.store();
        List<Map<String, String>> rows = new ArrayList<>();
        for (CaRecord r : store.list()) {
            X509Certificate cert = r.state() == CaRecord.State.PENDING ? null : store.certificate(r.name());
            Map<String, String> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("state", r.state().wire());
            row.put("address", blankToNull(r.address()));
            row.put("serial", blankToNull(r.serial()));
            row.put("submitted", time(r.submitted()));
            row.put("signed", time(r.signed()));
            row.put("revoked", time(r.revoked()));
            row.put("expires", cert == null ? null : time(cert.getNotAfter().toInstant()));
            java.security.PublicKey key = r.state() == CaRecord.State.PENDING ? store.pendingKey(r.name())
                    : cert == null ? null : cert.getPublicKey();
            row.put("key_sha256", key == null ? null : jfunc.common.tls.Certs.keyFingerprint(key));
            rows.add(row);
        }
        if (json) {
            Map<String, Map<String, String>> byName = new LinkedHashMap<>();
            for (Map<String, String> row : rows) {
                Map<String, String> rest = new LinkedHashMap<>(row);
                rest.values().removeIf(java.util.Objects::isNull); // absent, not null
                byName.put(rest.remove("name"), rest);
            }
            cli.out.println(jfunc.common.json.Json.writeByName(byName));
        } else if (rows.isEmpty()) {
            cli.err.println("no requests yet: a minion appears here when it submits a CSR "
                    + "(jfuncd --ca THIS_HOST:51235, with jfunc-ca serve running)");
        } else {
            Table t = new Table("NAME", "STATE", "ADDRESS", "SUBMITTED", "SIGNED", "REVOKED", "EXPIRES");
            for (Map<String, String> row : rows) {
                t.row(row.get("name"), row.get("state"), row.get("address"), short_(row.get("submitted")),
                        short_(row.get("signed")), short_(row.get("revoked")), short_(row.get("expires")));
            }
            t.print(cli.out);
            List<Map<String, String>> pending = rows.stream().filter(r -> "pending".equals(r.get("state"))).toList();
            if (!pending.isEmpty()) {
                cli.out.println();
                cli.out.println("Public keys of pending requests (SHA-256; the minion logs the same when it submits):");
                for (Map<String, String> row : pending) {
                    cli.out.println("  " + row.get("name") + "  " + row.get("key_sha256"));
                }
            }
        }
        return ExitCodes.OK;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    /** Tables show times to the minute: 2026-11-23 01:30Z. */
    private static String short_(String iso) {
        if (iso == null) {
            return null;
        }
        return Instant.parse(iso).truncatedTo(ChronoUnit.MINUTES).toString().replace('T', ' ').replace(":00Z", "Z");
    }
}
