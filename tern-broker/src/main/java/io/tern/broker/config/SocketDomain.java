package io.tern.broker.config;

/** Restricts a listener to one IP version ({@code socket_domain}); unset means both. */
public enum SocketDomain {
    IPV4("ipv4"),
    IPV6("ipv6");

    private final String configName;

    SocketDomain(String configName) {
        this.configName = configName;
    }

    /** The word used in mosquitto.conf. */
    public String configName() {
        return configName;
    }
}
