package io.tern.console;

import io.tern.broker.config.BrokerConfig;
import io.tern.broker.config.ListenerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration in force as the API shows it, by Mosquitto option name. Secrets are masked: key files and
 * PSK files show as {@code "(set)"} (their paths say where the keys are), nothing reads password or key contents.
 */
final class ConfigView {

    static final String MASKED = "(set)";

    private ConfigView() {
    }

    static Map<String, Object> of(BrokerConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        c.sourceFile().ifPresent(f -> m.put("config_file", f.toString()));
        m.put("per_listener_settings", c.perListenerSettings());
        m.put("allow_anonymous", c.allowAnonymous());
        m.put("password_file", c.passwordFile());
        m.put("acl_file", c.aclFile());
        m.put("psk_file", c.pskFile() == null ? null : MASKED);
        m.put("max_inflight_messages", c.maxInflightMessages());
        m.put("max_queued_messages", c.maxQueuedMessages());
        m.put("max_queued_bytes", c.maxQueuedBytes());
        m.put("queue_qos0_messages", c.queueQos0Messages());
        m.put("message_size_limit", c.messageSizeLimit());
        m.put("max_packet_size", c.maxPacketSize());
        m.put("max_keepalive", c.maxKeepalive());
        m.put("persistent_client_expiration_seconds", c.persistentClientExpiration().toSeconds());
        m.put("sys_interval", c.sysInterval());
        m.put("retain_available", c.retainAvailable());
        m.put("upgrade_outgoing_qos", c.upgradeOutgoingQos());
        m.put("shared_subscription_strategy", c.sharedSubscriptionStrategy().configName());
        m.put("persistence", c.persistence());
        if (c.persistence()) {
            m.put("persistence_location", c.persistencePath().toString());
            m.put("persistence_sync", c.persistenceSync().configName());
        }
        m.put("http_admin_users", c.http().adminUsers());
        m.put("http_metrics_public", c.http().metricsPublic());
        m.put("metrics_topic_prefixes", c.http().metricsTopicPrefixes());
        List<Map<String, Object>> ls = new ArrayList<>();
        for (ListenerConfig l : c.effectiveListeners()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("port", l.port());
            j.put("bind_address", l.bindAddress());
            j.put("protocol", l.protocol().configName());
            j.put("max_connections", l.maxConnections());
            j.put("certfile", l.certfile());
            j.put("keyfile", l.keyfile() == null ? null : MASKED);
            j.put("cafile", l.cafile());
            j.put("require_certificate", l.requireCertificate());
            j.put("psk_hint", l.pskHint() == null ? null : MASKED);
            if (c.perListenerSettings()) {
                j.put("password_file", l.passwordFile());
                j.put("acl_file", l.aclFile());
                j.put("psk_file", l.pskFile() == null ? null : MASKED);
            }
            ls.add(j);
        }
        m.put("listeners", ls);
        return m;
    }
}
