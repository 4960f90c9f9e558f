package io.tern.broker.config;

/**
 * The minimum TLS version a listener accepts ({@code tls_version}). Unset means Mosquitto 2.0's default:
 * TLS 1.2 and 1.3.
 */
public enum TlsVersion {
    TLS_1_1("tlsv1.1", "TLSv1.1"),
    TLS_1_2("tlsv1.2", "TLSv1.2"),
    TLS_1_3("tlsv1.3", "TLSv1.3");

    private final String configName;
    private final String jdkName;

    TlsVersion(String configName, String jdkName) {
        this.configName = configName;
        this.jdkName = jdkName;
    }

    /** The word used in mosquitto.conf, e.g. {@code tlsv1.2}. */
    public String configName() {
        return configName;
    }

    /** The JSSE protocol name, e.g. {@code TLSv1.2}. */
    public String jdkName() {
        return jdkName;
    }
}
