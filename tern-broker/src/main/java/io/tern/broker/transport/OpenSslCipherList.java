package io.tern.broker.transport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import io.netty.handler.ssl.CipherSuiteConverter;

/**
 * Resolves an OpenSSL cipher list string, as mosquitto.conf's {@code ciphers} takes it, against the cipher
 * suites a TLS provider supports, yielding IANA/Java names (which Netty accepts for both the JDK and the
 * OpenSSL provider). The JDK does not understand OpenSSL names or keywords, and BoringSSL's keyword set
 * differs from OpenSSL's, so the list is evaluated here once, the same way for both.
 *
 * <p>Supported: cipher names (OpenSSL or IANA), the operators {@code !} (remove for good), {@code -} (remove),
 * {@code +} (move to the end), {@code A+B} conjunctions, {@code @STRENGTH}/{@code @SECLEVEL=n} (accepted,
 * no effect), and the keywords OpenSSL lists in ciphers(1) that matter for TLS 1.2 (ALL, DEFAULT, HIGH,
 * MEDIUM, LOW, EXPORT, aNULL, eNULL, kRSA, aRSA, ECDHE, DHE, ECDSA, PSK, AES, AESGCM, CHACHA20, SHA256, ...).
 * Like OpenSSL, a token that names nothing is skipped (the caller logs it); an empty result is an error.
 */
final class OpenSslCipherList {

    /** What the list resolved to, and which tokens named nothing. */
    record Result(List<String> suites, List<String> unknownTokens) {
    }

    private final List<String> supported;
    private final List<String> defaults;

    /**
     * @param supported TLS 1.2-and-older suites the provider supports, IANA names
     * @param defaults  the subset the provider enables by default, IANA names
     */
    OpenSslCipherList(List<String> supported, List<String> defaults) {
        this.supported = supported.stream().filter(s -> !isTls13(s)).toList();
        this.defaults = defaults.stream().filter(s -> !isTls13(s) && supported.contains(s)).toList();
    }

    static boolean isTls13(String ianaName) {
        return ianaName.startsWith("TLS_AES_") || ianaName.startsWith("TLS_CHACHA20_") || ianaName.startsWith("TLS_SM4_");
    }

    Result resolve(String list) {
        List<String> selected = new ArrayList<>();
        Set<String> banned = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String token : list.split("[:, ]+")) {
            if (token.isEmpty() || token.startsWith("@")) {
                continue;
            }
            char op = token.charAt(0);
            String body = (op == '!' || op == '-' || op == '+') ? token.substring(1) : token;
            Predicate<String> matcher = matcher(body);
            if (matcher == null) {
                unknown.add(token);
                continue;
            }
            List<String> matched = new ArrayList<>();
            for (String s : supported) {
                if (matcher.test(s)) {
                    matched.add(s);
                }
            }
            if (matched.isEmpty() && op != '!' && op != '-') {
                unknown.add(token); // excluding what the provider lacks anyway is not worth a warning
            }
            switch (op) {
                case '!' -> {
                    selected.removeAll(matched);
                    banned.addAll(matched);
                }
                case '-' -> selected.removeAll(matched);
                case '+' -> {
                    List<String> moved = selected.stream().filter(matched::contains).toList();
                    selected.removeAll(moved);
                    selected.addAll(moved);
                }
                default -> {
                    for (String s : matched) {
                        if (!banned.contains(s) && !selected.contains(s)) {
                            selected.add(s);
                        }
                    }
                }
            }
        }
        return new Result(List.copyOf(selected), List.copyOf(unknown));
    }

    /** A predicate over IANA names for one token body, or null when the body is neither a name nor a keyword. */
    private Predicate<String> matcher(String body) {
        if (body.contains("+") && body.length() > 1) {
            Predicate<String> all = s -> true;
            for (String part : body.split("\\+")) {
                Predicate<String> p = part.isEmpty() ? null : keyword(part);
                if (p == null) {
                    return null;
                }
                all = all.and(p);
            }
            return all;
        }
        for (String s : supported) {
            if (s.equalsIgnoreCase(body) || body.equals(CipherSuiteConverter.toOpenSsl(s, false))) {
                return s::equals;
            }
        }
        return keyword(body);
    }

    private Predicate<String> keyword(String word) {
        return switch (word) {
            case "ALL", "COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL" ->
                    word.equals("ALL") ? s -> true : word.equals("COMPLEMENTOFDEFAULT") ? s -> !defaults.contains(s) : s -> false;
            case "DEFAULT" -> defaults::contains;
            case "HIGH" -> s -> !weak(s) && !s.contains("3DES") && !s.contains("_DES_CBC3_");
            case "MEDIUM" -> s -> s.contains("3DES") || s.contains("DES_EDE") || s.contains("SEED") || s.contains("IDEA");
            case "LOW", "EXPORT", "EXP", "SSLv2" -> s -> s.contains("EXPORT") || s.contains("_DES_CBC_") || s.contains("DES40");
            case "aNULL", "ADH", "AECDH" -> s -> s.contains("_anon_") || s.contains("_NULL_WITH");
            case "eNULL", "NULL" -> s -> s.contains("WITH_NULL");
            case "kRSA", "RSA" -> word.equals("RSA") ? s -> s.startsWith("TLS_RSA_") || s.contains("_RSA_") : s -> s.startsWith("TLS_RSA_");
            case "aRSA" -> s -> s.contains("_RSA_") && !s.startsWith("TLS_RSA_PSK") || s.startsWith("TLS_RSA_WITH");
            case "ECDHE", "EECDH", "kECDHE", "kEECDH" -> s -> s.startsWith("TLS_ECDHE_");
            case "DHE", "EDH", "kDHE", "kEDH" -> s -> s.startsWith("TLS_DHE_");
            case "ECDH", "kECDH" -> s -> s.startsWith("TLS_ECDH");
            case "DH", "kDH" -> s -> s.startsWith("TLS_DH");
            case "ECDSA", "aECDSA" -> s -> s.contains("_ECDSA_");
            case "DSS", "aDSS" -> s -> s.contains("_DSS_");
            case "PSK", "aPSK", "kPSK" -> s -> s.contains("PSK");
            case "SRP", "kSRP", "aSRP" -> s -> s.contains("SRP");
            case "AES" -> s -> s.contains("_AES_");
            case "AES128" -> s -> s.contains("_AES_128_");
            case "AES256" -> s -> s.contains("_AES_256_");
            case "AESGCM" -> s -> s.contains("_AES_") && s.contains("_GCM_");
            case "AESCCM" -> s -> s.contains("_AES_") && s.contains("_CCM");
            case "CHACHA20" -> s -> s.contains("CHACHA20");
            case "CAMELLIA" -> s -> s.contains("CAMELLIA");
            case "ARIA" -> s -> s.contains("ARIA");
            case "3DES" -> s -> s.contains("3DES");
            case "DES" -> s -> s.contains("_DES_");
            case "RC4" -> s -> s.contains("RC4");
            case "MD5" -> s -> s.endsWith("_MD5");
            case "SHA1", "SHA" -> s -> s.endsWith("_SHA");
            case "SHA256" -> s -> s.endsWith("_SHA256");
            case "SHA384" -> s -> s.endsWith("_SHA384");
            case "TLSv1.2" -> s -> s.endsWith("_SHA256") || s.endsWith("_SHA384") || s.contains("CHACHA20");
            case "TLSv1", "TLSv1.0", "SSLv3" -> s -> s.endsWith("_SHA") || s.endsWith("_MD5");
            default -> null;
        };
    }

    private static boolean weak(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        return u.contains("NULL") || u.contains("ANON") || u.contains("EXPORT") || u.contains("RC4")
                || u.contains("_DES_CBC_") || u.endsWith("_MD5");
    }
}
