package io.tern.broker.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Vector;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * BouncyCastle's server side of one TLS-PSK connection, offering what OpenSSL clients (mosquitto_pub,
 * mosquitto_sub, Paho C) use with {@code --psk}: TLS 1.3 external PSKs with the SHA-256 suites only (OpenSSL's
 * PSK callback always yields a SHA-256 PSK, so a SHA-384 suite would fail), and the TLS 1.2 PSK suites,
 * ECDHE-PSK first for forward secrecy. Like Mosquitto (SSL_OP_CIPHER_SERVER_PREFERENCE) the server's order
 * wins. It records which identity was used and why a handshake failed; {@link PskServerHandler} reads both.
 */
final class PskTlsPeer extends PSKTlsServer {

    /** Offered suites, best first, with their IANA names for events and logs. */
    static final Map<Integer, String> SUITES = new LinkedHashMap<>();

    static {
        SUITES.put(CipherSuite.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256");
        SUITES.put(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256");
        SUITES.put(CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
        SUITES.put(CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384");
        SUITES.put(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256");
        SUITES.put(CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384");
        SUITES.put(CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256");
        SUITES.put(CipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, "TLS_PSK_WITH_AES_256_GCM_SHA384");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, "TLS_PSK_WITH_AES_128_GCM_SHA256");
        SUITES.put(CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384, "TLS_PSK_WITH_AES_256_CBC_SHA384");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256, "TLS_PSK_WITH_AES_128_CBC_SHA256");
        SUITES.put(CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA");
        SUITES.put(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA, "TLS_PSK_WITH_AES_256_CBC_SHA");
        SUITES.put(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA, "TLS_PSK_WITH_AES_128_CBC_SHA");
    }

    private final PskSettings settings;
    private String identity;
    private String unknownIdentity;
    private String failure;
    private boolean complete;

    PskTlsPeer(TlsCrypto crypto, PskSettings settings) {
        super(crypto, new Identities(settings));
        this.settings = settings;
        ((Identities) pskIdentityManager).peer = this;
    }

    /** The identity whose key the handshake used, once known. */
    String identity() {
        return identity;
    }

    boolean isComplete() {
        return complete;
    }

    /** Why the handshake failed, from the alert raised or received, or null. */
    String failure() {
        return failure;
    }

    String negotiatedProtocol() {
        ProtocolVersion v = context.getSecurityParametersConnection().getNegotiatedVersion();
        return v == null ? "?" : v.getName().replace("TLS 1.", "TLSv1.");
    }

    String negotiatedSuite() {
        int suite = context.getSecurityParametersConnection().getCipherSuite();
        return SUITES.getOrDefault(suite, String.format(Locale.ROOT, "0x%04X", suite));
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        String min = settings.tlsVersion() == null ? "tlsv1.2" : settings.tlsVersion().toLowerCase(Locale.ROOT);
        return switch (min) {
            case "tlsv1.3" -> ProtocolVersion.TLSv13.only();
            case "tlsv1.2" -> ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
            case "tlsv1.1" -> ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv11);
            default -> throw new TransportConfigException("tls_version \"" + settings.tlsVersion()
                    + "\" is not supported: use tlsv1.3, tlsv1.2 or tlsv1.1");
        };
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        int[] all = SUITES.keySet().stream().mapToInt(Integer::intValue).toArray();
        return TlsUtils.getSupportedCipherSuites(getCrypto(), all);
    }

    @Override
    protected boolean preferLocalCipherSuites() {
        return true;
    }

    @Override
    public TlsCredentials getCredentials() throws IOException {
        if (TlsUtils.isTLSv13(context)) {
            if (identity == null) {
                // no offered identity has a key: a certificate handshake would follow, but PSK listeners have none
                throw new TlsFatalAlert(AlertDescription.unknown_psk_identity,
                        unknownIdentity == null ? "the client offered no PSK" : "no key for PSK identity " + unknownIdentity);
            }
            return null; // authenticated by the external PSK alone
        }
        return super.getCredentials();
    }

    @Override
    @SuppressWarnings("rawtypes") // BouncyCastle's signature
    public TlsPSKExternal getExternalPSK(Vector identities) {
        for (Object o : identities) {
            PskIdentity offered = (PskIdentity) o;
            String name = new String(offered.getIdentity(), StandardCharsets.UTF_8);
            byte[] key = settings.keys().get(name);
            if (key != null) {
                identity = name;
                return new BasicTlsPSKExternal(offered.getIdentity(), getCrypto().createSecret(key),
                        PRFAlgorithm.tls13_hkdf_sha256);
            }
            unknownIdentity = name;
        }
        return null;
    }

    @Override
    public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
        if (level == AlertLevel.fatal && failure == null) {
            failure = describe(description, message);
        }
    }

    @Override
    public void notifyAlertReceived(short level, short description) {
        if (level == AlertLevel.fatal && failure == null) {
            failure = "client sent fatal alert " + AlertDescription.getName(description)
                    + (description == AlertDescription.decrypt_error || description == AlertDescription.bad_record_mac
                    ? " (wrong PSK?)" : "");
        }
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        byte[] used = context.getSecurityParametersConnection().getPSKIdentity();
        if (used != null) {
            identity = new String(used, StandardCharsets.UTF_8);
        }
        complete = true;
    }

    private String describe(short description, String message) {
        if (identity == null && unknownIdentity != null) {
            return "unknown PSK identity \"" + unknownIdentity + "\"";
        }
        if (description == AlertDescription.unknown_psk_identity) {
            return "the client offered no PSK identity (certificate TLS client on a PSK listener?)";
        }
        if (description == AlertDescription.decrypt_error || description == AlertDescription.bad_record_mac) {
            return "wrong PSK for identity \"" + identity + "\" (" + AlertDescription.getName(description) + ")";
        }
        return AlertDescription.getName(description) + (message == null ? "" : ": " + message);
    }

    /** Looks TLS 1.2 identities up in the listener's keys, remembering which one the client named. */
    private static final class Identities implements TlsPSKIdentityManager {
        private final PskSettings settings;
        private PskTlsPeer peer;

        Identities(PskSettings settings) {
            this.settings = settings;
        }

        @Override
        public byte[] getHint() {
            return settings.hint() == null ? null : settings.hint().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] getPSK(byte[] identity) {
            String name = new String(identity, StandardCharsets.UTF_8);
            byte[] key = settings.keys().get(name);
            if (key == null) {
                peer.unknownIdentity = name;
            } else {
                peer.identity = name;
            }
            return key;
        }
    }
}
