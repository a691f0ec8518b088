package jfunc.overlord;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import jfunc.common.StateDir;

/**
 * When each minion's certificate expires, read from the CA's copy {@code STATE/ca/signed/NAME.crt}
 * (present where the overlord shares its state dir with the CA). A file is parsed again only
 * when its size or time changed. Thread-safe.
 */
public final class CertExpiry {
    /** Under this, the dashboard and list-minions flag a certificate. */
    public static final java.time.Duration SOON = java.time.Duration.ofDays(30);

    private record Seen(long size, long modified, Instant notAfter) {}

    private final StateDir state;
    private final ConcurrentHashMap<String, Seen> cache = new ConcurrentHashMap<>();

    public CertExpiry(StateDir state) {
        this.state = state;
    }

    /** The certificate's notAfter, or null when the CA's copy is absent or unreadable. */
    public Instant of(String minion) {
        Path f = state.ca().resolve("signed").resolve(minion + ".crt");
        long size;
        long modified;
        try {
            size = Files.size(f);
            modified = Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            cache.remove(minion);
            return null;
        }
        Seen seen = cache.get(minion);
        if (seen != null && seen.size == size && seen.modified == modified) {
            return seen.notAfter;
        }
        Instant notAfter;
        try (InputStream in = Files.newInputStream(f)) {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            notAfter = c.getNotAfter().toInstant();
        } catch (IOException | CertificateException | ClassCastException e) {
            notAfter = null;
        }
        cache.put(minion, new Seen(size, modified, notAfter));
        return notAfter;
    }

    /** True when {@code notAfter} is less than {@link #SOON} away (or past). */
    public static boolean soon(Instant notAfter, Instant now) {
        return notAfter != null && notAfter.isBefore(now.plus(SOON));
    }
}
