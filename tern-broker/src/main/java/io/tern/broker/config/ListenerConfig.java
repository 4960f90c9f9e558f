package io.tern.broker.config;

/** TEMPORARY stub until the config branch lands. */
public class ListenerConfig {
    private int port;
    private String bindAddress;
    private int maxConnections = -1;
    private String protocol = "mqtt";
    public int port() { return port; }
    public ListenerConfig port(int v) { port = v; return this; }
    public String bindAddress() { return bindAddress; }
    public ListenerConfig bindAddress(String v) { bindAddress = v; return this; }
    public int maxConnections() { return maxConnections; }
    public ListenerConfig maxConnections(int v) { maxConnections = v; return this; }
    public String protocol() { return protocol; }
}
