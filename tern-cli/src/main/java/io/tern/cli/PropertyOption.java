package io.tern.cli;

import io.tern.codec.PacketType;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * {@code -D COMMAND PROPERTY VALUE} (and {@code -D COMMAND user-property NAME VALUE}): MQTT 5 properties named as
 * Mosquitto names them ({@code message-expiry-interval}, {@code user-property}, ...), for the CONNECT, PUBLISH,
 * SUBSCRIBE, UNSUBSCRIBE, DISCONNECT packets or the Will.
 */
final class PropertyOption {

    static final String WILL = "will";

    private static final Map<String, PacketType> COMMANDS = Map.ofEntries(
            Map.entry("connect", PacketType.CONNECT), Map.entry("connack", PacketType.CONNACK),
            Map.entry("publish", PacketType.PUBLISH), Map.entry("puback", PacketType.PUBACK),
            Map.entry("pubrec", PacketType.PUBREC), Map.entry("pubrel", PacketType.PUBREL),
            Map.entry("pubcomp", PacketType.PUBCOMP), Map.entry("subscribe", PacketType.SUBSCRIBE),
            Map.entry("suback", PacketType.SUBACK), Map.entry("unsubscribe", PacketType.UNSUBSCRIBE),
            Map.entry("unsuback", PacketType.UNSUBACK), Map.entry("disconnect", PacketType.DISCONNECT),
            Map.entry("auth", PacketType.AUTH), Map.entry("pingreq", PacketType.PINGREQ),
            Map.entry("pingresp", PacketType.PINGRESP));

    private PropertyOption() {
    }

    /**
     * Parses one {@code -D} starting at {@code args[i]} (the command) into {@code target}'s builders.
     *
     * @return how many arguments it used
     */
    static int parse(String[] args, int i, CliOptions target) throws CliError {
        if (i + 2 > args.length - 1) {
            throw new CliError("Error: --property argument given but not enough arguments specified.\n\n");
        }
        String cmdName = args[i];
        String propName = args[i + 1];
        String value = args[i + 2];
        boolean will = cmdName.equalsIgnoreCase(WILL);
        PacketType cmd = will ? null : COMMANDS.get(cmdName.toLowerCase(Locale.ROOT));
        if (!will && cmd == null) {
            throw new CliError("Error: Invalid command given in --property argument.\n\n");
        }
        PropertyId id = byName(propName);
        if (id == null) {
            throw new CliError("Error: Invalid property name given in --property argument.\n\n");
        }
        if (will ? !id.allowedInWill() : !id.allowedIn(cmd)) {
            throw new CliError("Error: " + propName + " property not allowed for " + cmdName
                    + " in --property argument.\n\n");
        }
        Properties.Builder b = will ? target.willProps : switch (cmd) {
            case CONNECT -> target.connectProps;
            case PUBLISH -> target.publishProps;
            case SUBSCRIBE -> target.subscribeProps;
            case UNSUBSCRIBE -> target.unsubscribeProps;
            case DISCONNECT -> target.disconnectProps;
            default -> null;
        };
        if (b == null || (cmd == PacketType.PUBLISH && (id == PropertyId.TOPIC_ALIAS
                || id == PropertyId.SUBSCRIPTION_IDENTIFIER))) {
            throw new CliError("Error: " + propName + " property not supported for " + cmdName
                    + " in --property argument.\n\n");
        }
        if (id == PropertyId.USER_PROPERTY) {
            if (i + 3 > args.length - 1) {
                throw new CliError("Error: --property argument given but not enough arguments specified.\n\n");
            }
            b.userProperty(value, args[i + 3]);
            return 4;
        }
        switch (id.wireType()) {
            case BYTE -> b.put(id, (int) ranged(value, 0xFF, propName));
            case TWO_BYTE -> b.put(id, (int) ranged(value, 0xFFFF, propName));
            case FOUR_BYTE -> b.put(id, ranged(value, 0xFFFF_FFFFL, propName));
            case VARIABLE_INT -> b.put(id, (int) ranged(value, 268_435_455L, propName));
            case UTF8 -> {
                if (value.getBytes(StandardCharsets.UTF_8).length > 65535) {
                    throw new CliError("Error: Property value too long for property " + propName + ".\n\n");
                }
                b.put(id, value);
            }
            case BINARY -> {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                if (bytes.length > 65535) {
                    throw new CliError("Error: Property value too long for property " + propName + ".\n\n");
                }
                b.put(id, bytes);
            }
            default -> throw new CliError("Error: Invalid property name given in --property argument.\n\n");
        }
        return 3;
    }

    /** The property for Mosquitto's name ({@code message-expiry-interval}), or null. */
    static PropertyId byName(String name) {
        try {
            return PropertyId.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Mosquitto's name for a property. */
    static String nameOf(PropertyId id) {
        return id.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static long ranged(String value, long max, String propName) throws CliError {
        long v = CliOptions.atol(value);
        if (v < 0 || v > max) {
            throw new CliError("Error: Property value (" + v + ") out of range for property " + propName + ".\n\n");
        }
        return v;
    }
}
