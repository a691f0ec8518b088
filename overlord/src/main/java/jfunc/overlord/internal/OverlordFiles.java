package jfunc.overlord.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Identity;
import jfunc.common.tls.LeanPem;
import jfunc.common.tls.Pem;

/**
 * The overlord's files in {@code STATE/overlord} (written by {@code jfunc-ca init}):
 * {@code overlord.key}, {@code overlord.crt}, {@code ca.crt}, and the CRL from
 * {@code STATE/overlord/crl.pem}, else {@code STATE/ca/crl.pem} when the CA lives on this host
 * ({@code STATE/overlord/crl.pem} is kept current from the CA service with {@code JFUNC_CA}).
 * Every problem is a {@link ConfigException} naming the file and what to do.
 */
public final class OverlordFiles {
    public static final String KEY = "overlord.key";
    public static final String CERT = "overlord.crt";
    public static final String CA = "ca.crt";
    public static final String CRL = "crl.pem";

    private OverlordFiles() {}

    public static Identity identity(StateDir state) throws ConfigException {
        Path key = required(state, state.overlord().resolve(KEY));
        Path cert = required(state, state.overlord().resolve(CERT));
        try {
            return new Identity(LeanPem.privateKey(key), LeanPem.certificates(cert));
        } catch (Pem.PemException e) {
            throw new ConfigException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(cert + ": " + e.getMessage());
        }
    }

    /** The CA and its CRL; first refreshes the CRL from the CA service when it lives elsewhere ({@link OverlordCrl}). */
    public static CaTrust trust(StateDir state) throws ConfigException {
        Path caFile = required(state, state.overlord().resolve(CA));
        OverlordCrl.refreshIfDue(state);
        Path crlFile = crlFile(state);
        try {
            X509Certificate ca = LeanPem.certificates(caFile).get(0);
            X509CRL crl = crlFile == null ? null : LeanPem.crl(crlFile);
            try {
                return new CaTrust(ca, crl);
            } catch (GeneralSecurityException e) {
                throw new ConfigException(crlFile + ": not a CRL of the CA in " + caFile + " (" + e.getMessage() + ")");
            }
        } catch (Pem.PemException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The CRL the overlord applies, or null when there is none. */
    public static Path crlFile(StateDir state) {
        Path own = state.overlord().resolve(CRL);
        if (Files.exists(own)) {
            return own;
        }
        Path ca = state.ca().resolve(CRL);
        return Files.exists(ca) ? ca : null;
    }

    private static Path required(StateDir state, Path file) throws ConfigException {
        if (!Files.exists(file)) {
            throw new ConfigException("missing " + file + ": the overlord has no identity yet; run `jfunc-ca --state-dir "
                    + state.root() + " init` first");
        }
        if (!Files.isReadable(file)) {
            throw new ConfigException("cannot read " + file + ": permission denied");
        }
        return file;
    }
}
