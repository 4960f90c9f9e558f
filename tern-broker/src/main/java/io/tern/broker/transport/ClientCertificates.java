package io.tern.broker.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERUniversalString;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

import io.netty.handler.ssl.SslHandler;

/**
 * The client certificate of a TLS connection, turned into a username the way Mosquitto does it for
 * {@code use_identity_as_username} (the certificate's first CN) and {@code use_subject_as_username} (the whole
 * subject printed by OpenSSL's {@code X509_NAME_print_ex(..., XN_FLAG_RFC2253)}, e.g.
 * {@code CN=test client,OU=Production,O=Server,L=Nottingham,ST=Nottinghamshire,C=GB}). The subject is
 * formatted here rather than with {@code X500Principal.getName(RFC2253)} because the JDK writes
 * {@code emailAddress} as an OID, does not escape non-ASCII bytes, and escapes differently, and ACL files
 * written for Mosquitto must keep matching.
 */
public final class ClientCertificates {

    /** OpenSSL's short names (obj_dat.h) for the attributes that appear in subjects. */
    private static final Map<ASN1ObjectIdentifier, String> SHORT_NAMES = Map.ofEntries(
            Map.entry(BCStyle.CN, "CN"), Map.entry(BCStyle.C, "C"), Map.entry(BCStyle.L, "L"),
            Map.entry(BCStyle.ST, "ST"), Map.entry(BCStyle.O, "O"), Map.entry(BCStyle.OU, "OU"),
            Map.entry(BCStyle.STREET, "street"), Map.entry(BCStyle.DC, "DC"), Map.entry(BCStyle.UID, "UID"),
            Map.entry(BCStyle.EmailAddress, "emailAddress"), Map.entry(BCStyle.SERIALNUMBER, "serialNumber"),
            Map.entry(BCStyle.SURNAME, "SN"), Map.entry(BCStyle.GIVENNAME, "GN"), Map.entry(BCStyle.T, "title"),
            Map.entry(BCStyle.INITIALS, "initials"), Map.entry(BCStyle.GENERATION, "generationQualifier"),
            Map.entry(BCStyle.DN_QUALIFIER, "dnQualifier"), Map.entry(BCStyle.PSEUDONYM, "pseudonym"),
            Map.entry(BCStyle.NAME, "name"), Map.entry(BCStyle.POSTAL_CODE, "postalCode"),
            Map.entry(BCStyle.BUSINESS_CATEGORY, "businessCategory"), Map.entry(BCStyle.DESCRIPTION, "description"),
            Map.entry(BCStyle.JURISDICTION_C, "jurisdictionC"), Map.entry(BCStyle.JURISDICTION_ST, "jurisdictionST"),
            Map.entry(BCStyle.JURISDICTION_L, "jurisdictionL"),
            Map.entry(BCStyle.ORGANIZATION_IDENTIFIER, "organizationIdentifier"),
            Map.entry(BCStyle.UnstructuredName, "unstructuredName"),
            Map.entry(BCStyle.UnstructuredAddress, "unstructuredAddress"),
            Map.entry(BCStyle.POSTAL_ADDRESS, "postalAddress"), Map.entry(BCStyle.ROLE, "role"));

    private ClientCertificates() {
    }

    /**
     * The verified certificate the client presented, if any.
     *
     * @param ssl the connection's SslHandler, after its handshake succeeded
     * @return the client's own (end-entity) certificate, or empty when it sent none
     */
    public static Optional<X509Certificate> peerCertificate(SslHandler ssl) {
        return peerCertificate(ssl.engine().getSession());
    }

    /**
     * @param session a completed TLS session
     * @return the client's own (end-entity) certificate, or empty when it sent none
     */
    public static Optional<X509Certificate> peerCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                return Optional.of(x509);
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate: require_certificate was false
        }
        return Optional.empty();
    }

    /**
     * The username for {@code use_identity_as_username}: the client certificate's first CN.
     *
     * @param ssl the connection's SslHandler, after its handshake succeeded
     * @return the CN, or empty when there is no certificate, no CN, or a CN with an embedded NUL (Mosquitto
     *         refuses the connection as not authorised in all three cases)
     */
    public static Optional<String> commonName(SslHandler ssl) {
        return peerCertificate(ssl).flatMap(ClientCertificates::commonName);
    }

    /**
     * @param certificate a client certificate
     * @return its first CN in certificate order, or empty as for {@link #commonName(SslHandler)}
     */
    public static Optional<String> commonName(X509Certificate certificate) {
        X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue ava : rdn.getTypesAndValues()) {
                if (ava.getType().equals(BCStyle.CN)) {
                    String cn = text(ava.getValue());
                    if (cn == null || cn.indexOf('\0') >= 0) {
                        return Optional.empty();
                    }
                    return Optional.of(cn);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The username for {@code use_subject_as_username}: the subject as Mosquitto prints it.
     *
     * @param ssl the connection's SslHandler, after its handshake succeeded
     * @return the subject, or empty when the client sent no certificate
     */
    public static Optional<String> subject(SslHandler ssl) {
        return peerCertificate(ssl).map(ClientCertificates::subject);
    }

    /**
     * Formats a certificate's subject like OpenSSL's {@code X509_NAME_print_ex} with {@code XN_FLAG_RFC2253}:
     * attributes last-to-first, {@code ,} between RDNs and {@code +} inside one, OpenSSL's short names,
     * values converted to UTF-8 with {@code ,+"\<>;}, a leading {@code #} or space and a trailing space escaped
     * by a backslash, control and non-ASCII bytes as {@code \XX}, and unknown attributes as {@code OID=#DER-hex}.
     *
     * @param certificate a client certificate
     * @return the subject string
     */
    public static String subject(X509Certificate certificate) {
        X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        record Entry(AttributeTypeAndValue ava, int rdn) {
        }
        List<Entry> entries = new ArrayList<>();
        RDN[] rdns = name.getRDNs();
        for (int i = 0; i < rdns.length; i++) {
            for (AttributeTypeAndValue ava : rdns[i].getTypesAndValues()) {
                entries.add(new Entry(ava, i));
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (i < entries.size() - 1) {
                out.append(entries.get(i + 1).rdn() == e.rdn() ? '+' : ',');
            }
            String shortName = SHORT_NAMES.get(e.ava().getType());
            String value = shortName == null ? null : text(e.ava().getValue());
            out.append(shortName == null ? e.ava().getType().getId() : shortName).append('=');
            if (value == null) {
                out.append('#').append(hexDer(e.ava().getValue()));
            } else {
                escape(value.getBytes(StandardCharsets.UTF_8), out);
            }
        }
        return out.toString();
    }

    /** A string attribute's text, or null for a value that is not one of the ASN.1 string types. */
    private static String text(ASN1Encodable value) {
        if (value instanceof DERUniversalString universal) {
            byte[] b = universal.getOctets(); // UTF-32BE; BouncyCastle's getString() would give hex
            StringBuilder s = new StringBuilder();
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.remaining() >= 4) {
                s.appendCodePoint(buf.getInt());
            }
            return s.toString();
        }
        if (value instanceof DERBMPString bmp) {
            return bmp.getString();
        }
        if (value instanceof ASN1String string) {
            return string.getString();
        }
        return null;
    }

    private static void escape(byte[] utf8, StringBuilder out) {
        for (int i = 0; i < utf8.length; i++) {
            int c = utf8[i] & 0xff;
            boolean first = i == 0;
            boolean last = i == utf8.length - 1;
            if (c >= 0x80 || c < 0x20 || c == 0x7f) {
                out.append('\\').append(String.format("%02X", c));
            } else if (",+\"\\<>;".indexOf(c) >= 0 || (first && (c == '#' || c == ' ')) || (last && c == ' ')) {
                out.append('\\').append((char) c);
            } else {
                out.append((char) c);
            }
        }
    }

    private static String hexDer(ASN1Encodable value) {
        try {
            byte[] der = value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
            StringBuilder s = new StringBuilder();
            for (byte b : der) {
                s.append(String.format("%02X", b & 0xff));
            }
            return s.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-encode a certificate name attribute", e);
        }
    }
}
