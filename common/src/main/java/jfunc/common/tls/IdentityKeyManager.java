package jfunc.common.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents one identity in TLS handshakes. Why not a PKCS12 KeyStore and KeyManagerFactory:
 * putting a key into a PKCS12 store encrypts it with PBKDF2 (10,000 rounds), which costs a fresh
 * process 50-100 ms before its first connection; holding the key in memory needs none of that.
 */
final class IdentityKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "identity";

    private final PrivateKey key;
    private final X509Certificate[] chain;

    IdentityKeyManager(Identity identity) {
        this.key = identity.key();
        this.chain = identity.chain().toArray(new X509Certificate[0]);
    }

    /** True when the handshake's key type ("EC", "RSA", "EdDSA", or TLS 1.2's "EC_EC") is ours. */
    private boolean fits(String keyType) {
        if (keyType == null) {
            return false;
        }
        int cut = keyType.indexOf('_');
        String type = cut < 0 ? keyType : keyType.substring(0, cut);
        return type.equalsIgnoreCase(key.getAlgorithm());
    }

    private String choose(String[] keyTypes) {
        if (keyTypes != null) {
            for (String t : keyTypes) {
                if (fits(t)) {
                    return ALIAS;
                }
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return fits(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return fits(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return fits(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return fits(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
