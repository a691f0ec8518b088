package jfunc.certs;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Properties;

/**
 * What the CA knows about one name: {@code STATE/ca/records/NAME.properties} (docs/PROTOCOL.md,
 * "CA records"). The overlord reads these files as its inventory, so the keys and their format
 * are a contract: {@code name address state serial submitted signed revoked autosigned}, one
 * {@code key=value} per line, times as UTC ISO-8601, absent values empty ({@code autosigned=true}
 * only when {@code serve --autosign} signed it; absent otherwise).
 */
public record CaRecord(String name, String address, State state, String serial,
                       Instant submitted, Instant signed, Instant revoked, boolean autosigned) {
    public enum State {
        PENDING, SIGNED, REVOKED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static State parse(String s) {
            return State.valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    public CaRecord {
        address = address == null ? "" : address;
        serial = serial == null ? "" : serial;
    }

    static CaRecord pending(String name, String address, Instant now) {
        return new CaRecord(name, address, State.PENDING, "", now, null, null, false);
    }

    CaRecord withAddress(String a) {
        return new CaRecord(name, a, state, serial, submitted, signed, revoked, autosigned);
    }

    CaRecord asSigned(String serialHex, Instant when, boolean auto) {
        return new CaRecord(name, address, State.SIGNED, serialHex, submitted, when, null, auto);
    }

    CaRecord asRevoked(Instant when) {
        return new CaRecord(name, address, State.REVOKED, serial, submitted, signed, when, autosigned);
    }

    /** The file text, keys in a fixed order. Values never need escaping (validated names, times). */
    String toProperties() {
        return "name=" + name + "\n"
                + "address=" + address + "\n"
                + "state=" + state.wire() + "\n"
                + "serial=" + serial + "\n"
                + "submitted=" + time(submitted) + "\n"
                + "signed=" + time(signed) + "\n"
                + "revoked=" + time(revoked) + "\n"
                + (autosigned ? "autosigned=true\n" : "");
    }

    /** Parses a record file's text; {@code source} names the file in error messages. */
    static CaRecord parse(String text, String source) throws CaException {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
            String name = p.getProperty("name", "").trim();
            if (name.isEmpty()) {
                throw CaException.files(source + ": no name= line; delete the file or fix it");
            }
            return new CaRecord(name, p.getProperty("address", "").trim(), State.parse(p.getProperty("state", "")),
                    p.getProperty("serial", "").trim(), instant(p, "submitted"), instant(p, "signed"),
                    instant(p, "revoked"), Boolean.parseBoolean(p.getProperty("autosigned", "false").trim()));
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            throw CaException.files(source + ": not a valid CA record (" + e.getMessage() + ")");
        }
    }

    /** Now, to the millisecond (the precision PROTOCOL.md shows). */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private static String time(Instant t) {
        return t == null ? "" : t.toString();
    }

    private static Instant instant(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() ? null : Instant.parse(v);
    }
}
