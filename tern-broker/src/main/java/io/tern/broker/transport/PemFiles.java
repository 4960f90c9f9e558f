package io.tern.broker.transport;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files a TLS listener names. BouncyCastle's parser is used rather than the JDK's because
 * Mosquitto users bring OpenSSL's formats: PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") keys,
 * "EC PARAMETERS" blocks in front of keys, and "Bag Attributes" text in front of certificates. Every failure
 * names the option and the path.
 */
final class PemFiles {

    /** Decrypts OpenSSL's key encryptions (the JDK lacks some); an instance, so nothing is registered globally. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PemFiles() {
    }

    /** Every certificate in a PEM file, in file order (server certificate first, then its chain). */
    static List<X509Certificate> certificates(String option, Path path) {
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(option, path, null)) {
            if (o instanceof X509CertificateHolder holder) {
                try {
                    out.add(new JcaX509CertificateConverter().getCertificate(holder));
                } catch (GeneralSecurityException e) {
                    throw new TransportConfigException(option + " " + path + ": unusable certificate: " + e.getMessage(), e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new TransportConfigException(option + " " + path + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
        }
        return out;
    }

    /** Certificates of every regular file in a directory (capath); files holding no certificate are skipped. */
    static List<X509Certificate> certificatesInDirectory(String option, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new TransportConfigException(option + " " + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
        }
        List<X509Certificate> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                for (Object o : objects(option, file, null)) {
                    if (o instanceof X509CertificateHolder holder) {
                        try {
                            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
                            if (!out.contains(cert)) { // OpenSSL's hash symlinks point at the same files
                                out.add(cert);
                            }
                        } catch (GeneralSecurityException e) {
                            throw new TransportConfigException(option + " " + file + ": unusable certificate: " + e.getMessage(), e);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new TransportConfigException(option + " " + dir + ": cannot list the directory: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new TransportConfigException(option + " " + dir + ": no PEM certificate in any file of the directory");
        }
        return out;
    }

    /** The CRLs in a PEM file (crlfile). */
    static List<X509CRL> crls(String option, Path path) {
        List<X509CRL> out = new ArrayList<>();
        for (Object o : objects(option, path, null)) {
            if (o instanceof X509CRLHolder holder) {
                try {
                    out.add(new JcaX509CRLConverter().getCRL(holder));
                } catch (GeneralSecurityException e) {
                    throw new TransportConfigException(option + " " + path + ": unusable CRL: " + e.getMessage(), e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new TransportConfigException(option + " " + path + ": no PEM certificate revocation list (-----BEGIN X509 CRL-----) in the file");
        }
        return out;
    }

    /** The first private key in a PEM file, decrypted with {@code password} when it is encrypted. */
    static PrivateKey privateKey(String option, Path path, char[] password) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(option, path, password)) {
            try {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair encrypted) {
                    requirePassword(option, path, password);
                    return converter.getPrivateKey(encrypted.decryptKeyPair(
                            new JcePEMDecryptorProviderBuilder().setProvider(BC).build(password)).getPrivateKeyInfo());
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    requirePassword(option, path, password);
                    InputDecryptorProvider decryptor = new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(password);
                    return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(decryptor));
                }
            } catch (TransportConfigException e) {
                throw e;
            } catch (Exception e) {
                throw new TransportConfigException(option + " " + path + ": cannot read the private key (wrong password?): "
                        + e.getMessage(), e);
            }
        }
        throw new TransportConfigException(option + " " + path + ": no PEM private key (-----BEGIN ... PRIVATE KEY-----) in the file");
    }

    /**
     * Fails unless {@code key} belongs to {@code certificate}: without this the JDK provider would only fail at
     * the first handshake. Mosquitto's equivalent is SSL_CTX_check_private_key.
     */
    static void checkKeyMatches(PrivateKey key, X509Certificate certificate, Path keyfile, Path certfile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return; // an exotic key type: let the TLS provider judge it
        }
        try {
            byte[] probe = "tern key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's public key lands here too
        }
        throw new TransportConfigException("keyfile " + keyfile + " does not belong to certfile " + certfile
                + " (server certificate/key are inconsistent)");
    }

    private static void requirePassword(String option, Path path, char[] password) {
        if (password == null) {
            throw new TransportConfigException(option + " " + path
                    + ": the private key is encrypted; Mosquitto's keyfile must be unencrypted"
                    + " (e.g. openssl pkey -in KEY -out KEY.plain)");
        }
    }

    private static List<Object> objects(String option, Path path, char[] password) {
        if (!Files.exists(path)) {
            throw new TransportConfigException(option + " " + path + ": no such file");
        }
        if (!Files.isRegularFile(path)) {
            throw new TransportConfigException(option + " " + path + ": not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new TransportConfigException(option + " " + path + ": not readable (check its permissions)");
        }
        List<Object> out = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.ISO_8859_1);
             PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new TransportConfigException(option + " " + path + ": not a readable PEM file: " + e.getMessage(), e);
        }
        return out;
    }
}
