package io.tern.broker;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;
import io.tern.broker.security.EnhancedAuthenticator;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 5 enhanced authentication (section 4.12) through the authenticator hook. */
class EnhancedAuthTest {

    /** A toy challenge/response: the server sends a nonce, the client must answer it reversed. */
    static final class ReverseNonce implements EnhancedAuthenticator {
        @Override
        public String method() {
            return "REVERSE";
        }

        @Override
        public Step start(String clientId, String username, byte[] data) {
            byte[] nonce = ("nonce-" + clientId).getBytes(StandardCharsets.UTF_8);
            return Step.challenge(nonce, nonce);
        }

        @Override
        public Step next(Object state, byte[] data) {
            byte[] nonce = (byte[]) state;
            byte[] expected = new byte[nonce.length];
            for (int i = 0; i < nonce.length; i++) {
                expected[i] = nonce[nonce.length - 1 - i];
            }
            return Arrays.equals(expected, data) ? Step.success("welcome".getBytes(StandardCharsets.UTF_8))
                    : Step.failure();
        }
    }

    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        BrokerConfig config = new BrokerConfig();
        config.addListener(new ListenerConfig(0, "127.0.0.1"));
        config.allowAnonymous(false); // the enhanced authenticator is what lets clients in
        broker = Broker.builder().config(config).enhancedAuthenticator(new ReverseNonce()).build().start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static Properties auth(String method, byte[] data) {
        Properties.Builder b = Properties.builder().put(PropertyId.AUTHENTICATION_METHOD, method);
        if (data != null) {
            b.put(PropertyId.AUTHENTICATION_DATA, data);
        }
        return b.build();
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    @Test
    void challengeAndResponseEndInConnackWithTheMethod() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            c.send(new Packet.Connect(MqttVersion.MQTT_5, "scram-ish", true, 60, null, null, null,
                    auth("REVERSE", null)));
            Packet.Auth challenge = (Packet.Auth) c.next();
            assertThat(challenge.reasonCode()).isEqualTo(0x18);
            // [MQTT-4.12.0-5]: every AUTH and the CONNACK carry the method
            assertThat(challenge.properties().stringValue(PropertyId.AUTHENTICATION_METHOD)).isEqualTo("REVERSE");
            byte[] nonce = challenge.properties().binaryValue(PropertyId.AUTHENTICATION_DATA);
            c.send(new Packet.Auth(0x18, auth("REVERSE", reversed(nonce))));
            Packet.ConnAck ack = (Packet.ConnAck) c.next();
            assertThat(ack.reasonCode()).isZero();
            assertThat(ack.properties().stringValue(PropertyId.AUTHENTICATION_METHOD)).isEqualTo("REVERSE");
            assertThat(new String(ack.properties().binaryValue(PropertyId.AUTHENTICATION_DATA), StandardCharsets.UTF_8))
                    .isEqualTo("welcome");

            // re-authentication on the live connection [MQTT-4.12.1-1]
            c.send(new Packet.Auth(0x19, auth("REVERSE", null)));
            Packet.Auth again = (Packet.Auth) c.next();
            assertThat(again.reasonCode()).isEqualTo(0x18);
            c.send(new Packet.Auth(0x18, auth("REVERSE",
                    reversed(again.properties().binaryValue(PropertyId.AUTHENTICATION_DATA)))));
            assertThat(((Packet.Auth) c.next()).reasonCode()).isZero();
            c.send(Packet.PingReq.INSTANCE);
            assertThat(c.next()).isEqualTo(Packet.PingResp.INSTANCE);
        }
    }

    @Test
    void wrongResponseIsRefusedWithNotAuthorised() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            c.send(new Packet.Connect(MqttVersion.MQTT_5, "guesser", true, 60, null, null, null,
                    auth("REVERSE", null)));
            c.next();
            c.send(new Packet.Auth(0x18, auth("REVERSE", "wrong".getBytes(StandardCharsets.UTF_8))));
            assertThat(c.readUntilClosed()).containsExactly(new Packet.ConnAck(false, 0x87, Properties.EMPTY));
        }
    }

    @Test
    void anotherMethodGetsBadAuthenticationMethod() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            c.send(new Packet.Connect(MqttVersion.MQTT_5, "other", true, 60, null, null, null,
                    auth("SCRAM-SHA-1", null)));
            assertThat(c.readUntilClosed()).containsExactly(new Packet.ConnAck(false, 0x8C, Properties.EMPTY));
        }
    }

    @Test
    void otherPacketsDuringTheExchangeAreAProtocolError() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            c.send(new Packet.Connect(MqttVersion.MQTT_5, "impatient", true, 60, null, null, null,
                    auth("REVERSE", null)));
            c.next();
            c.send(Packet.PingReq.INSTANCE);
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void clientsWithoutAMethodStillGoThroughBasicAuthentication() throws Exception {
        try (RawClient c = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            // allow_anonymous false and no password file: refused with 0x87
            assertThat(c.connect("plain").reasonCode()).isEqualTo(0x87);
        }
    }
}
