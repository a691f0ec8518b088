package jfunc.common.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Makes keys, certificates, CSRs and CRLs with BouncyCastle on the JDK's own providers
 * (EC P-256, SHA-256 ECDSA). The certificate authority uses it; tests use it to build real PKIs.
 */
public final class CertIssuer {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Clocks differ between hosts: certificates are valid from a little before now. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    /** What a certificate may be used for. */
    public enum Usage {
        /** A minion: serves TLS and may call the CA; serverAuth + clientAuth. */
        MINION,
        /** The overlord: clientAuth only, and the {@link OverlordMark} (only {@code jfunc-ca init} issues it). */
        OVERLORD,
        /** Another caller (a helper the minion's ACL grants methods by name): clientAuth only. */
        CLIENT,
        /** A server only (the CA's enrolment service): serverAuth only. */
        SERVER
    }

    private final PrivateKey caKey;
    private final X509Certificate caCert;

    public CertIssuer(PrivateKey caKey, X509Certificate caCert) {
        this.caKey = caKey;
        this.caCert = caCert;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 unavailable", e);
        }
    }

    /** A self-signed CA certificate (basicConstraints CA:true, pathlen 0). */
    public static X509Certificate selfSignedCa(KeyPair keys, String commonName, Duration validity) {
        X500Principal subject = new X500Principal("CN=" + commonName);
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(keys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the CA certificate", e);
        }
    }

    /**
     * Issues a leaf certificate for {@code name} (CN and SAN dNSName both the name; CA:false).
     * The caller has already checked the name and proof of possession.
     */
    public X509Certificate issue(PublicKey subjectKey, String name, Usage usage, Duration validity) {
        Instant now = Instant.now();
        KeyPurposeId[] purposes = switch (usage) {
            case MINION -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
            case OVERLORD, CLIENT -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
            case SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
        };
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)),
                    new X500Principal("CN=" + name), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.dNSName, name)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            if (usage == Usage.OVERLORD) {
                b.addExtension(Extension.certificatePolicies, false,
                        new CertificatePolicies(new PolicyInformation(OverlordMark.POLICY)));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(caKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a certificate for " + name, e);
        }
    }

    /** A CRL listing {@code revoked} (serial → revocation time), valid for {@code validity}. */
    public X509CRL crl(Map<BigInteger, Instant> revoked, Duration validity) {
        Instant now = Instant.now();
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(caCert, Date.from(now));
            b.setNextUpdate(Date.from(now.plus(validity)));
            revoked.forEach((serial, when) -> b.addCRLEntry(serial, Date.from(when), CRLReason.unspecified));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            X509CRLHolder holder = b.build(signer(caKey));
            return new JcaX509CRLConverter().getCRL(holder);
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the CRL", e);
        }
    }

    /** A CSR whose subject CN (and requested SAN) is {@code name}. */
    public static PKCS10CertificationRequest csr(KeyPair keys, String name) {
        try {
            var b = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + name), keys.getPublic());
            var extGen = new org.bouncycastle.asn1.x509.ExtensionsGenerator();
            extGen.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
            b.addAttribute(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                    extGen.generate());
            return b.build(signer(keys.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a CSR for " + name, e);
        }
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(key.getAlgorithm().equals("EC") ? SIGNATURE : "SHA256withRSA").build(key);
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
