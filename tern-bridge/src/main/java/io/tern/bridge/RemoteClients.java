package io.tern.bridge;

import io.netty.channel.EventLoopGroup;
import io.tern.broker.config.BridgeConfig;
import io.tern.broker.config.BrokerConfig;
import io.tern.client.ConnectionListener;
import io.tern.client.MessageHandler;
import io.tern.client.MqttClient;
import io.tern.client.SessionState;
import io.tern.client.TlsSettings;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds the tern-client {@link MqttClient} of one connection attempt from a bridge's options. */
final class RemoteClients {

    private RemoteClients() {
    }

    static MqttVersion version(BridgeConfig.ProtocolVersion v) {
        return switch (v) {
            case MQTTV31 -> MqttVersion.MQTT_3_1;
            case MQTTV311 -> MqttVersion.MQTT_3_1_1;
            case MQTTV50 -> MqttVersion.MQTT_5;
        };
    }

    /**
     * @param version    the version to speak (a 5.0 bridge falls back to 3.1.1 when the remote refuses 5.0)
     * @param bridgeFlag whether to mark the CONNECT as a bridge's ({@code try_private}, not yet refused)
     */
    static MqttClient build(BrokerConfig broker, BridgeConfig cfg, BridgeConfig.Address address, MqttVersion version,
                            boolean bridgeFlag, EventLoopGroup group, MessageHandler inbound,
                            ConnectionListener listener, SessionState session) {
        boolean tls = cfg.usesCertificateTls() || cfg.usesPsk();
        String host = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]" : address.host();
        MqttClient.Builder b = MqttClient.builder()
                .serverUri((tls ? "ssl://" : "tcp://") + host + ":" + address.port())
                .version(version)
                .clientId(cfg.remoteClientId())
                .cleanStart(cfg.cleanSession())
                .keepAlive(cfg.keepalive())
                .bridge(bridgeFlag)
                .manualAcknowledgement(true)
                .sessionState(session)
                .eventLoopGroup(group)
                .defaultHandler(inbound)
                .connectionListener(listener)
                .connectTimeout(Duration.ofSeconds(Math.min(30, Math.max(5, cfg.keepalive()))));
        if (cfg.remoteUsername() != null || cfg.remotePassword() != null) {
            b.credentials(cfg.remoteUsername(), cfg.remotePassword());
        }
        if (cfg.notifications() && !cfg.notificationsLocalOnly()) {
            // Mosquitto: the remote side learns of a lost bridge from its will, a retained "0"
            b.will(cfg.notificationTopic(), "0".getBytes(StandardCharsets.US_ASCII), 1, true);
        }
        if (version == MqttVersion.MQTT_5) {
            Properties.Builder p = Properties.builder();
            if (!cfg.cleanSession() && cfg.sessionExpiryInterval() > 0) {
                // Mosquitto 2.0.11 sends none: its remote session ends with each connection
                p.put(PropertyId.SESSION_EXPIRY_INTERVAL, cfg.sessionExpiryInterval());
            }
            int inflight = broker.maxInflightMessages();
            if (inflight > 0 && inflight < 65535) {
                p.put(PropertyId.RECEIVE_MAXIMUM, inflight); // as Mosquitto's v5 bridges say
            }
            if (cfg.maxPacketSize() > 0) {
                p.put(PropertyId.MAXIMUM_PACKET_SIZE, cfg.maxPacketSize());
            }
            b.connectProperties(p.build());
            // Mosquitto 2.0's bridges use no topic aliases (and have no option for them), and its test suite
            // compares their PUBLISHes byte for byte; with bridge_max_topic_alias N a Tern v5 bridge uses up to N,
            // within what the remote's CONNACK allows (Topic Alias Maximum, Mosquitto's max_topic_alias)
            b.topicAliasMaximum(cfg.maxTopicAlias());
        }
        if (cfg.bindAddress() != null) {
            b.localAddress(cfg.bindAddress());
        }
        if (cfg.usesPsk()) {
            b.tls(new TlsSettings(null, null, null, null, false, protocols(cfg.tlsVersion()), List.of(), List.of(),
                    cfg.identity(), cfg.psk()));
        } else if (tls) {
            b.tls(new TlsSettings(path(broker, cfg.cafile()), path(broker, cfg.capath()), path(broker, cfg.certfile()),
                    path(broker, cfg.keyfile()), cfg.insecure(), protocols(cfg.tlsVersion()), List.of(),
                    cfg.alpn() == null ? List.of() : List.of(cfg.alpn().split(",")), null, null));
        }
        return b.build();
    }

    /** {@code bridge_tls_version} is a minimum, as Mosquitto's: that version and the newer ones. */
    private static List<String> protocols(String minimum) {
        if (minimum == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(List.of("TLSv1.3"));
        if (!minimum.equals("tlsv1.3")) {
            out.add("TLSv1.2");
        }
        if (minimum.equals("tlsv1.1")) {
            out.add("TLSv1.1");
        }
        return out;
    }

    private static Path path(BrokerConfig broker, String written) {
        return written == null ? null : broker.resolve(written);
    }

    /** The will-free subscription options a bridge's remote subscription gets. */
    static Packet.Subscription subscription(String filter, int qos, MqttVersion version) {
        if (version == MqttVersion.MQTT_5) {
            // what the bridge flag gives 3.x bridges: nothing sent back, retained flags as published
            return new Packet.Subscription(filter, qos, true, true, 0);
        }
        return new Packet.Subscription(filter, qos);
    }
}
