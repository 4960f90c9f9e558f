package io.tern.client;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Vector;

/**
 * BouncyCastle's client side of one TLS-PSK connection, offering what OpenSSL servers (Mosquitto's
 * {@code psk_hint} listeners) accept: a TLS 1.3 external PSK with the SHA-256 suites (OpenSSL's PSK callbacks
 * always yield a SHA-256 PSK, so a SHA-384 suite would fail the binder check), and the TLS 1.2 PSK suites,
 * ECDHE-PSK first for forward secrecy. It records why a handshake failed for the error the user sees.
 */
final class PskClientPeer extends PSKTlsClient {

    private static final int[] TLS13_SUITES = {
            CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256};

    /** TLS 1.2 suites by IANA name, best first, and the OpenSSL names {@code --ciphers} may use for them. */
    static final Map<String, Integer> TLS12_SUITES = new LinkedHashMap<>();
    private static final Map<String, String> OPENSSL_NAMES = new LinkedHashMap<>();

    static {
        suite(CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
                "ECDHE-PSK-CHACHA20-POLY1305");
        suite(CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
                "ECDHE-PSK-AES256-CBC-SHA384");
        suite(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
                "ECDHE-PSK-AES128-CBC-SHA256");
        suite(CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384",
                "DHE-PSK-AES256-GCM-SHA384");
        suite(CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
                "DHE-PSK-AES128-GCM-SHA256");
        suite(CipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
                "DHE-PSK-CHACHA20-POLY1305");
        suite(CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, "TLS_PSK_WITH_AES_256_GCM_SHA384",
                "PSK-AES256-GCM-SHA384");
        suite(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, "TLS_PSK_WITH_AES_128_GCM_SHA256",
                "PSK-AES128-GCM-SHA256");
        suite(CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
                "PSK-CHACHA20-POLY1305");
        suite(CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384, "TLS_PSK_WITH_AES_256_CBC_SHA384",
                "PSK-AES256-CBC-SHA384");
        suite(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256, "TLS_PSK_WITH_AES_128_CBC_SHA256",
                "PSK-AES128-CBC-SHA256");
        suite(CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
                "ECDHE-PSK-AES256-CBC-SHA");
        suite(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
                "ECDHE-PSK-AES128-CBC-SHA");
        suite(CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA, "TLS_PSK_WITH_AES_256_CBC_SHA", "PSK-AES256-CBC-SHA");
        suite(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA, "TLS_PSK_WITH_AES_128_CBC_SHA", "PSK-AES128-CBC-SHA");
    }

    private static void suite(int code, String iana, String openssl) {
        TLS12_SUITES.put(iana, code);
        OPENSSL_NAMES.put(openssl, iana);
    }

    private final byte[] identity;
    private final byte[] key;
    private final ProtocolVersion[] versions;
    private final int[] suites;
    private String failure;
    private boolean complete;

    /**
     * @throws IllegalArgumentException for an unknown TLS version or a cipher list naming no PSK suite
     */
    PskClientPeer(TlsCrypto crypto, TlsSettings tls) {
        super(crypto, new BasicTlsPSKIdentity(tls.pskIdentity().getBytes(StandardCharsets.UTF_8), tls.pskKey()));
        this.identity = tls.pskIdentity().getBytes(StandardCharsets.UTF_8);
        this.key = tls.pskKey();
        this.versions = versions(tls.protocols());
        this.suites = suites(crypto, tls.ciphers(), versions);
    }

    /**
     * The versions named (from the highest to the lowest of them), as {@code protocols} means for certificate
     * TLS; TLS 1.3 and 1.2 when none is named.
     */
    static ProtocolVersion[] versions(List<String> protocols) {
        ProtocolVersion min = null;
        ProtocolVersion max = null;
        for (String p : protocols) {
            ProtocolVersion v = switch (p.toLowerCase(Locale.ROOT)) {
                case "tlsv1.3" -> ProtocolVersion.TLSv13;
                case "tlsv1.2" -> ProtocolVersion.TLSv12;
                case "tlsv1.1" -> ProtocolVersion.TLSv11;
                default -> throw new IllegalArgumentException("TLS version \"" + p
                        + "\" is not supported for TLS-PSK: use TLSv1.3, TLSv1.2 or TLSv1.1");
            };
            min = min == null || v.isEarlierVersionOf(min) ? v : min;
            max = max == null || max.isEarlierVersionOf(v) ? v : max;
        }
        return min == null ? ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12) : max.downTo(min);
    }

    /**
     * The TLS 1.3 suites, then the TLS 1.2 ones {@code ciphers} names (all when empty). As in OpenSSL, the
     * cipher list governs TLS 1.2 only; names of other suites are skipped, but a list naming no PSK suite fails.
     */
    private static int[] suites(TlsCrypto crypto, List<String> ciphers, ProtocolVersion[] versions) {
        List<Integer> out = new ArrayList<>();
        for (int s : TLS13_SUITES) {
            out.add(s);
        }
        if (ciphers.isEmpty()) {
            out.addAll(TLS12_SUITES.values());
        } else {
            int before = out.size();
            for (String c : ciphers) {
                Integer code = TLS12_SUITES.get(OPENSSL_NAMES.getOrDefault(c, c));
                if (code != null && !out.contains(code)) {
                    out.add(code);
                }
            }
            if (out.size() == before) {
                throw new IllegalArgumentException("no TLS-PSK cipher suite in " + String.join(":", ciphers));
            }
        }
        int[] all = out.stream().mapToInt(Integer::intValue).toArray();
        return TlsUtils.getSupportedCipherSuites(crypto, all);
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return versions;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return suites;
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"}) // BouncyCastle's signature
    public Vector getExternalPSKs() {
        Vector v = new Vector(1);
        v.add(new BasicTlsPSKExternal(identity, getCrypto().createSecret(key), PRFAlgorithm.tls13_hkdf_sha256));
        return v;
    }

    boolean isComplete() {
        return complete;
    }

    /** Why the handshake failed, from the alert raised or received, or null. */
    String failure() {
        return failure;
    }

    @Override
    public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
        if (level == AlertLevel.fatal && failure == null) {
            failure = AlertDescription.getName(description) + (message == null ? "" : ": " + message);
        }
    }

    @Override
    public void notifyAlertReceived(short level, short description) {
        if (level == AlertLevel.fatal && failure == null) {
            failure = "broker sent fatal alert " + AlertDescription.getName(description)
                    + (description == AlertDescription.decrypt_error || description == AlertDescription.bad_record_mac
                    || description == AlertDescription.illegal_parameter ? " (wrong PSK?)" : "")
                    + (description == AlertDescription.unknown_psk_identity
                    || description == AlertDescription.handshake_failure ? " (unknown PSK identity?)" : "");
        }
    }

    @Override
    public void notifyHandshakeComplete() throws java.io.IOException {
        super.notifyHandshakeComplete();
        complete = true;
    }
}
