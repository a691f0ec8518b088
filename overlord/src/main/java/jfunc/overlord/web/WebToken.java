package jfunc.overlord.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The dashboard's access token, {@code STATE/overlord/web.token} (0600): written at the first
 * start, kept across restarts (delete the file to get a new one).
 *
 * @param value   the token
 * @param created true when this start wrote it (the service prints the URL with it, once)
 */
public record WebToken(String value, boolean created) {
    public static final String FILE = "web.token";

    /** Reads the token of {@code overlordDir}, or writes a new random one (32 bytes) there. */
    public static WebToken load(Path overlordDir) throws IOException {
        Path f = overlordDir.resolve(FILE);
        if (!Files.exists(f)) {
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            String v = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            try {
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, v + "\n", StandardCharsets.US_ASCII);
                return new WebToken(v, true);
            } catch (FileAlreadyExistsException e) {
                // another start won the race: read its token
            }
        }
        String v = Files.readString(f, StandardCharsets.US_ASCII).strip();
        if (v.length() < 16) {
            throw new IOException(f + " holds no usable token (delete it: a new one is written at the next start)");
        }
        return new WebToken(v, false);
    }

    /** Compares in constant time. */
    public boolean matches(String given) {
        return given != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII));
    }
}
