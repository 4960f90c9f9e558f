package io.tern.store.rocksdb;

import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;
import io.tern.broker.store.StoredSession.StoredSubscription;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Sample records for the store tests. */
final class Fixtures {

    private Fixtures() {
    }

    /** A property list with every PUBLISH property, repeated user properties and subscription identifiers. */
    static Properties richProperties() {
        return Properties.builder()
                .put(PropertyId.PAYLOAD_FORMAT_INDICATOR, 1)
                .put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 0xFFFF_FFFFL)
                .put(PropertyId.CONTENT_TYPE, "application/json; charset=\u00fc\u6f22")
                .put(PropertyId.RESPONSE_TOPIC, "reply/to/me")
                .put(PropertyId.CORRELATION_DATA, new byte[] {0, 1, (byte) 0xFF, 42})
                .put(PropertyId.TOPIC_ALIAS, 65535)
                .put(PropertyId.SERVER_KEEP_ALIVE, 0)
                .subscriptionIdentifier(1)
                .subscriptionIdentifier(268_435_455)
                .userProperty("k", "v1")
                .userProperty("k", "v2")
                .userProperty("", "")
                .build();
    }

    static StoredMessage message(String topic, String payload) {
        return new StoredMessage(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false, Properties.EMPTY,
                "publisher", Long.MAX_VALUE);
    }

    static StoredMessage richMessage() {
        return new StoredMessage("a/b/\u00e9", new byte[] {1, 2, 3, 0, (byte) 0x80}, 2, true, richProperties(),
                null, 1_700_000_000_123L);
    }

    static QueueEntry entry(long seq, long messageId) {
        return new QueueEntry(seq, messageId, 1, false, new int[0], 0, false);
    }

    static StoredSession session(String clientId) {
        return new StoredSession(clientId, 5, 3600, 1_700_000_000_000L, List.of(
                new StoredSubscription("a/#", 1, false, false, 0, 0),
                new StoredSubscription("$share/g/b/+", 2, true, true, 2, 268_435_455)));
    }
}
