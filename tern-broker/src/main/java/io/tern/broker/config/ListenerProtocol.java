package io.tern.broker.config;

/** The protocol a listener accepts ({@code protocol}). */
public enum ListenerProtocol {
    /** MQTT over TCP (or TLS); the default. */
    MQTT("mqtt"),
    /** MQTT over WebSockets (or secure WebSockets). */
    WEBSOCKETS("websockets"),
    /**
     * HTTP (or HTTPS): the web console, REST admin API and Prometheus metrics. The core does not serve it: an
     * extension on the class path supplies the pipeline ({@code BrokerExtension#pipeline}).
     */
    HTTP("http");

    private final String configName;

    ListenerProtocol(String configName) {
        this.configName = configName;
    }

    /** The word used in mosquitto.conf. */
    public String configName() {
        return configName;
    }
}
