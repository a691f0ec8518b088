package jfunc.overlord.inventory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import jfunc.common.Config.ConfigException;
import jfunc.common.HostPort;
import jfunc.common.Names;
import jfunc.overlord.MinionAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA's records ({@code records/NAME.properties}, docs/PROTOCOL.md): every name in state
 * {@code signed} is a minion; its {@code address} is the advertised {@code host:port}, or empty
 * for "its name, port 51234". A broken record is skipped with a warning (one bad file must not
 * hide the fleet); an unreadable folder is a configuration error.
 */
public final class CaRecords {
    private static final Logger log = LoggerFactory.getLogger(CaRecords.class);

    private CaRecords() {}

    /** The signed minions recorded in {@code dir}; none when the folder does not exist. */
    public static List<MinionAddress> read(Path dir) throws ConfigException {
        List<MinionAddress> out = new ArrayList<>();
        for (Path f : files(dir)) {
            MinionAddress m = record(f);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The names recorded in {@code dir} in state {@code revoked} (until {@code jfunc-ca clean} forgets them). */
    public static List<String> revoked(Path dir) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (Path f : files(dir)) {
            Properties p = load(f);
            String name = p == null ? null : name(f, p);
            if (name != null && "revoked".equals(p.getProperty("state", "").strip())) {
                out.add(name);
            }
        }
        return out;
    }

    private static List<Path> files(Path dir) throws ConfigException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.properties")) {
            files.forEach(out::add);
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read the CA records in " + dir + ": permission denied");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException("cannot read the CA records in " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** A record's properties, or null when it vanished or cannot be parsed (warned). */
    private static Properties load(Path f) throws ConfigException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
            return p;
        } catch (NoSuchFileException e) {
            return null; // removed while we listed (jfunc-ca clean)
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read CA record " + f + ": permission denied");
        } catch (IOException | IllegalArgumentException e) {
            log.warn("skipping CA record {}: {}", f, e.getMessage());
            return null;
        }
    }

    /** The record's valid name, or null (warned). */
    private static String name(Path f, Properties p) {
        String file = f.getFileName().toString();
        String name = p.getProperty("name", file.substring(0, file.length() - ".properties".length())).strip();
        if (!Names.isValid(name)) {
            log.warn("skipping CA record {}: {}", f, Names.problem(name));
            return null;
        }
        return name;
    }

    private static MinionAddress record(Path f) throws ConfigException {
        Properties p = load(f);
        if (p == null || !"signed".equals(p.getProperty("state", "").strip())) {
            return null;
        }
        String name = name(f, p);
        if (name == null) {
            return null;
        }
        String address = p.getProperty("address", "").strip();
        if (address.isEmpty()) {
            return MinionAddress.byName(name);
        }
        try {
            HostPort hp = HostPort.parse(address, MinionAddress.DEFAULT_PORT);
            return new MinionAddress(name, hp.host().isEmpty() ? name : hp.host(), hp.port());
        } catch (IllegalArgumentException e) {
            log.warn("skipping CA record {}: {}", f, e.getMessage());
            return null;
        }
    }
}
