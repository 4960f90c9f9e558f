package io.tern.codec;

/**
 * A CONNECT whose protocol name or level Tern does not speak. The server answers with CONNACK
 * "unacceptable protocol version" (1 for 3.x, 0x84 for a level-5 style request) and closes
 * [MQTT-3.1.2-2].
 */
public class UnsupportedProtocolException extends MalformedPacketException {

    private static final long serialVersionUID = 1L;

    private final String protocolName;
    private final int level;

    public UnsupportedProtocolException(String protocolName, int level) {
        super(0x84, "unsupported protocol '" + protocolName + "' level " + level);
        this.protocolName = protocolName;
        this.level = level;
    }

    public String protocolName() { return protocolName; }

    public int level() { return level; }
}
