package io.tern.codec;

/** An MQTT 5 User Property: a UTF-8 string pair. Order and repeats are significant. */
public record UserProperty(String name, String value) {
}
