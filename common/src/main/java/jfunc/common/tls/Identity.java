package jfunc.common.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;

/** One side's certificate chain and private key, held in memory (never as a keystore file). */
public record Identity(PrivateKey key, List<X509Certificate> chain) {
    public Identity {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
        chain = List.copyOf(chain);
    }

    /** Loads {@code key.pem}-style and {@code cert.pem}-style files; errors name the file. */
    public static Identity load(Path keyFile, Path certFile) throws Pem.PemException {
        return new Identity(Pem.readPrivateKey(keyFile), Pem.readCertificates(certFile));
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public String name() {
        return Certs.commonName(certificate());
    }

    KeyManager[] keyManagers() throws GeneralSecurityException {
        return new KeyManager[] {new IdentityKeyManager(this)};
    }
}
