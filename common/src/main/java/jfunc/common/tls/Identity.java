package jfunc.common.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/** One side's certificate chain and private key, held in memory (never as a keystore file). */
public record Identity(PrivateKey key, List<X509Certificate> chain) {
    private static final char[] NO_PASSWORD = new char[0];

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
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("identity", key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            return kmf.getKeyManagers();
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
