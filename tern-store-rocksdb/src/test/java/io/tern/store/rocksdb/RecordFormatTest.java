package io.tern.store.rocksdb;

import io.tern.broker.store.QueueEntry;
import io.tern.broker.store.StoredMessage;
import io.tern.broker.store.StoredSession;
import io.tern.codec.Properties;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordFormatTest {

    @Test
    void messageWithEveryPropertyTypeRoundTrips() {
        StoredMessage m = Fixtures.richMessage();
        StoredMessage back = RecordFormat.message(RecordFormat.message(m));
        assertThat(back.topic()).isEqualTo(m.topic());
        assertThat(back.payload()).isEqualTo(m.payload());
        assertThat(back.qos()).isEqualTo(2);
        assertThat(back.retain()).isTrue();
        assertThat(back.publisherId()).isNull();
        assertThat(back.expiryEpochMillis()).isEqualTo(m.expiryEpochMillis());
        assertThat(back.properties()).isEqualTo(m.properties());
        assertThat(back.properties().userProperties()).extracting(u -> u.value()).containsExactly("v1", "v2", "");
        assertThat(back.properties().subscriptionIdentifiers()).containsExactly(1, 268_435_455);
    }

    @Test
    void plainMessageRoundTripsWithEmptyProperties() {
        StoredMessage m = new StoredMessage("t", new byte[0], 0, false, Properties.EMPTY, "pub", Long.MAX_VALUE);
        StoredMessage back = RecordFormat.message(RecordFormat.message(m));
        assertThat(back.properties()).isSameAs(Properties.EMPTY);
        assertThat(back.publisherId()).isEqualTo("pub");
        assertThat(back.payload()).isEmpty();
        assertThat(back.expiryEpochMillis()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void queueEntryRoundTripsAndPatchOffsetsHitTheRightFields() {
        QueueEntry e = new QueueEntry(7, 123_456_789_012L, 2, true, new int[] {5, 268_435_455}, 0, false);
        byte[] v = RecordFormat.entry(e);
        v[RecordFormat.ENTRY_PACKET_ID] = (byte) 0xAB;
        v[RecordFormat.ENTRY_PACKET_ID + 1] = (byte) 0xCD;
        v[RecordFormat.ENTRY_FLAGS] |= RecordFormat.FLAG_RELEASED;
        QueueEntry back = RecordFormat.entry(7, v);
        assertThat(back.messageId()).isEqualTo(123_456_789_012L);
        assertThat(back.qos()).isEqualTo(2);
        assertThat(back.retain()).isTrue();
        assertThat(back.subscriptionIds()).containsExactly(5, 268_435_455);
        assertThat(back.packetId()).isEqualTo(0xABCD);
        assertThat(back.released()).isTrue();
        assertThat(RecordFormat.entryMessageId(v)).isEqualTo(123_456_789_012L);
    }

    @Test
    void version3EntryCarriesItsMessageInlineAndAnOlderEntryReadsWithout() {
        QueueEntry e = new QueueEntry(3, 42, 1, false, new int[] {9}, 0, false);
        StoredMessage m = Fixtures.richMessage();
        byte[] v = RecordFormat.entry(e, m);
        assertThat(RecordFormat.entryInline(v)).isTrue();
        v[RecordFormat.ENTRY_FLAGS] |= RecordFormat.FLAG_RELEASED; // markReleased patches inline entries too
        QueueEntry back = RecordFormat.entry(3, v);
        assertThat(back.messageId()).isEqualTo(42);
        assertThat(back.subscriptionIds()).containsExactly(9);
        assertThat(back.released()).isTrue();
        assertThat(back.message()).usingRecursiveComparison().isEqualTo(m);
        byte[] old = RecordFormat.entry(e); // what format 1 and 2 wrote, byte for byte
        assertThat(RecordFormat.entryInline(old)).isFalse();
        assertThat(RecordFormat.entry(3, old).message()).isNull();
        assertThatThrownBy(() -> RecordFormat.entry(3, Arrays.copyOf(v, v.length - 1)))
                .isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void sessionRoundTrips() {
        StoredSession s = Fixtures.session("c1");
        StoredSession back = RecordFormat.session("c1", RecordFormat.session(s));
        assertThat(back).isEqualTo(s);
        StoredSession never = new StoredSession("c2", 4, -1, 0, List.of());
        assertThat(RecordFormat.session("c2", RecordFormat.session(never))).isEqualTo(never);
    }

    @Test
    void version2KeepsARetainedMessagesSourceAndASessionsLastPacketId() {
        StoredMessage m = new StoredMessage("t", new byte[] {1}, 1, true, Properties.EMPTY, "pub", Long.MAX_VALUE,
                new StoredMessage.Source("user", 1884));
        assertThat(RecordFormat.message(RecordFormat.message(m)).source())
                .isEqualTo(new StoredMessage.Source("user", 1884));
        StoredMessage anonymous = new StoredMessage("t", new byte[] {1}, 0, true, Properties.EMPTY, "pub",
                Long.MAX_VALUE, new StoredMessage.Source(null, 0));
        assertThat(RecordFormat.message(RecordFormat.message(anonymous)).source())
                .isEqualTo(new StoredMessage.Source(null, 0));
        StoredSession s = new StoredSession("c", 5, 60, 0, List.of(), 4242);
        assertThat(RecordFormat.session("c", RecordFormat.session(s)).lastPacketId()).isEqualTo(4242);
    }

    @Test
    void version1RecordsReadWithoutSourceOrPacketId() {
        // a version 1 session record: level, expiry, disconnected-at, no subscriptions, and nothing after them
        ByteWriter w = new ByteWriter(32);
        w.u8(4).i64(-1).i64(0).varint(0);
        StoredSession s = RecordFormat.session("old", w.toArray());
        assertThat(s.lastPacketId()).isZero();
        assertThat(s.expirySeconds()).isEqualTo(-1);
        StoredMessage m = new StoredMessage("t", new byte[] {1}, 0, true, Properties.EMPTY, "pub", Long.MAX_VALUE);
        assertThat(RecordFormat.message(RecordFormat.message(m)).source()).isNull();
    }

    @Test
    void truncatedOrPaddedRecordsAreRefused() {
        byte[] v = RecordFormat.message(Fixtures.richMessage());
        assertThatThrownBy(() -> RecordFormat.message(Arrays.copyOf(v, v.length - 1)))
                .isInstanceOf(CorruptRecordException.class);
        assertThatThrownBy(() -> RecordFormat.message(Arrays.copyOf(v, v.length + 1)))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> RecordFormat.session("x", new byte[] {5}))
                .isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void sequenceKeysSortNumericallyIncludingNegatives() {
        byte[] prefix = Keys.clientPrefix("c");
        long[] seqs = {Long.MIN_VALUE, -1, 0, 1, 255, 256, Long.MAX_VALUE};
        for (int i = 1; i < seqs.length; i++) {
            assertThat(Arrays.compareUnsigned(Keys.queueKey(prefix, seqs[i - 1]), Keys.queueKey(prefix, seqs[i])))
                    .isNegative();
            assertThat(Keys.seqOf(Keys.queueKey(prefix, seqs[i]))).isEqualTo(seqs[i]);
        }
        assertThat(Arrays.compareUnsigned(Keys.queueKey(prefix, Long.MAX_VALUE), Keys.clientEnd(prefix))).isNegative();
        assertThat(Keys.counter(Keys.counter(-3))).isEqualTo(-3);
    }
}
