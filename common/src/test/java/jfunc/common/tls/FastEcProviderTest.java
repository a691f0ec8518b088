package jfunc.common.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.Test;

/**
 * TLS handshakes use BouncyCastle's ECDSA and x25519 once a program asks for it, and what they
 * produce is interchangeable with the JDK's (a peer on a plain JDK or OpenSSL must agree).
 * Handshakes through it: RpcServerTest and every test that calls a server.
 */
class FastEcProviderTest {
    static {
        TlsContexts.useFastEc();
    }

    private static final byte[] MESSAGE = "jfunc handshake transcript".getBytes(StandardCharsets.UTF_8);

    @Test
    void handshakeSignaturesComeFromTheFastProviderAndTheJdkVerifiesThem() throws Exception {
        KeyPair key = CertIssuer.newKeyPair(); // the P-256 keys our certificates carry
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key.getPrivate());
        signer.update(MESSAGE);
        byte[] signature = signer.sign();
        assertEquals(FastEcProvider.NAME, signer.getProvider().getName());

        Signature jdk = Signature.getInstance("SHA256withECDSA", "SunEC");
        jdk.initVerify(key.getPublic());
        jdk.update(MESSAGE);
        assertTrue(jdk.verify(signature), "SunEC must accept a signature made by the fast provider");

        jdk.initSign(key.getPrivate());
        jdk.update(MESSAGE);
        byte[] jdkSignature = jdk.sign();
        Signature fast = Signature.getInstance("SHA256withECDSA");
        fast.initVerify(key.getPublic());
        fast.update(MESSAGE);
        assertTrue(fast.verify(jdkSignature), "the fast provider must accept a SunEC signature");
        assertEquals(FastEcProvider.NAME, fast.getProvider().getName());
    }

    @Test
    void x25519AgreementMatchesTheJdk() throws Exception {
        KeyPairGenerator fastGen = KeyPairGenerator.getInstance("XDH");
        fastGen.initialize(NamedParameterSpec.X25519);
        assertEquals(FastEcProvider.NAME, fastGen.getProvider().getName());
        KeyPair fast = fastGen.generateKeyPair();
        KeyPairGenerator jdkGen = KeyPairGenerator.getInstance("XDH", "SunEC");
        jdkGen.initialize(NamedParameterSpec.X25519);
        KeyPair jdk = jdkGen.generateKeyPair();

        KeyAgreement ours = KeyAgreement.getInstance("XDH");
        ours.init(fast.getPrivate());
        ours.doPhase(jdk.getPublic(), true);
        KeyAgreement theirs = KeyAgreement.getInstance("XDH", "SunEC");
        theirs.init(jdk.getPrivate());
        theirs.doPhase(fast.getPublic(), true);
        assertArrayEquals(theirs.generateSecret(), ours.generateSecret());
        assertEquals(FastEcProvider.NAME, ours.getProvider().getName());
    }

    @Test
    void itIsFirstOnlyForWhatItOffers() {
        assertEquals(FastEcProvider.NAME, Security.getProviders()[0].getName());
        // AES-GCM, hashes and randomness stay with the JDK.
        assertTrue(Security.getProviders("Cipher.AES/GCM/NoPadding")[0].getName().startsWith("SunJCE"));
        assertEquals("SUN", Security.getProviders("MessageDigest.SHA-256")[0].getName());
    }
}
