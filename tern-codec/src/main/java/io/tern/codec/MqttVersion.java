package io.tern.codec;

/** The protocol versions Tern speaks, with their CONNECT protocol name and level. */
public enum MqttVersion {
    MQTT_3_1("MQIsdp", 3),
    MQTT_3_1_1("MQTT", 4),
    MQTT_5("MQTT", 5);

    private final String protocolName;
    private final int level;

    MqttVersion(String protocolName, int level) {
        this.protocolName = protocolName;
        this.level = level;
    }

    public String protocolName() { return protocolName; }

    public int level() { return level; }

    public boolean isV5() { return this == MQTT_5; }

    /** The version for a CONNECT's protocol name and level, or null when the pair is not one we speak. */
    public static MqttVersion of(String protocolName, int level) {
        for (MqttVersion v : values()) {
            if (v.level == level && v.protocolName.equals(protocolName)) {
                return v;
            }
        }
        return null;
    }
}
