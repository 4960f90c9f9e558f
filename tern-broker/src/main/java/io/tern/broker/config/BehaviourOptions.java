package io.tern.broker.config;

/**
 * The limits and behaviour options of {@code mosquitto.conf} (in-flight and queue limits, sizes, keep-alive,
 * expiry, retain and QoS behaviour) and Tern's stricter answers ({@link StrictOptions}); all of them global.
 * {@link ConfigParser} hands each line here first and goes on with the others when {@link #apply} says no.
 */
final class BehaviourOptions {

    private BehaviourOptions() {
    }

    /**
     * Applies {@code l} when it is one of these options.
     *
     * @return false when it is not, so the parser handles it
     */
    static boolean apply(ConfigParser.Line l, BrokerConfig config) throws ConfigException {
        switch (l.name()) {
            case "max_inflight_messages" -> {
                int v = ConfigParser.integer(l, 0, 65535);
                // Mosquitto: 65535 is the protocol's maximum, so it means "no limit" too.
                config.maxInflightMessages(v == 65535 ? 0 : v);
                config.record(l.name(), l.at());
            }
            case "max_queued_messages" -> {
                config.maxQueuedMessages(ConfigParser.integer(l, 0, Integer.MAX_VALUE));
                config.record(l.name(), l.at());
            }
            case "max_inflight_bytes" -> {
                config.maxInflightBytes(ConfigParser.longInteger(l, 0, Long.MAX_VALUE));
                config.record(l.name(), l.at());
            }
            case "max_queued_bytes" -> {
                config.maxQueuedBytes(ConfigParser.longInteger(l, 0, Long.MAX_VALUE));
                config.record(l.name(), l.at());
            }
            case "queue_qos0_messages" -> config.queueQos0Messages(bool(l, config));
            case "message_size_limit" -> {
                // MQTT's largest payload (268435455 bytes) is Mosquitto's bound too.
                config.messageSizeLimit(ConfigParser.integer(l, 0, 268_435_455));
                config.record(l.name(), l.at());
            }
            case "max_packet_size" -> {
                // 0 is the default "no limit" and cannot be written; below 20 bytes Mosquitto refuses.
                config.maxPacketSize(ConfigParser.integer(l, 20, Integer.MAX_VALUE));
                config.record(l.name(), l.at());
            }
            case "max_keepalive" -> {
                config.maxKeepalive(ConfigParser.integer(l, 10, 65535));
                config.record(l.name(), l.at());
            }
            case "persistent_client_expiration" -> {
                config.persistentClientExpiration(ConfigParser.duration(l));
                config.record(l.name(), l.at());
            }
            case "shared_subscription_strategy" -> {
                config.sharedSubscriptionStrategy(ConfigParser.choice(l, SharedSubscriptionStrategy.values(),
                        SharedSubscriptionStrategy::configName));
                config.record(l.name(), l.at());
            }
            case "sys_interval" -> {
                config.sysInterval(ConfigParser.integer(l, 0, 65535));
                config.record(l.name(), l.at());
            }
            case "retain_available" -> config.retainAvailable(bool(l, config));
            case "set_tcp_nodelay" -> config.setTcpNodelay(bool(l, config));
            case "upgrade_outgoing_qos" -> config.upgradeOutgoingQos(bool(l, config));
            case "check_retain_source" -> config.checkRetainSource(bool(l, config));
            case "report_bad_credentials" -> config.strict(config.strict().reportBadCredentials(bool(l, config)));
            case "deny_unreadable_subscriptions" ->
                    config.strict(config.strict().denyUnreadableSubscriptions(bool(l, config)));
            case "strict_password_file" -> config.strict(config.strict().strictPasswordFile(bool(l, config)));
            case "check_payload_format" -> config.strict(config.strict().checkPayloadFormat(bool(l, config)));

            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean bool(ConfigParser.Line l, BrokerConfig config) throws ConfigException {
        boolean v = ConfigParser.bool(l);
        config.record(l.name(), l.at());
        return v;
    }
}
