package io.tern.bench;

import org.junit.jupiter.api.Test;

import static io.tern.bench.SequenceTracker.Outcome.DUPLICATE;
import static io.tern.bench.SequenceTracker.Outcome.NEW;
import static io.tern.bench.SequenceTracker.Outcome.OUT_OF_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

class SequenceTrackerTest {

    private static final long A = SequenceTracker.key(7, 0);
    private static final long B = SequenceTracker.key(7, 1);

    @Test
    void inOrderStreamHasNoLossDuplicatesOrReordering() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 0; s < 1000; s++) {
            assertThat(t.record(A, s)).isEqualTo(NEW);
        }
        assertThat(t.distinct()).isEqualTo(1000);
        assertThat(t.lost(k -> 1000, new long[] {A})).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.outOfOrder()).isZero();
    }

    @Test
    void repeatedSequenceNumberIsDuplicateAndNotCountedTwice() {
        SequenceTracker t = new SequenceTracker();
        t.record(A, 0);
        t.record(A, 1);
        assertThat(t.record(A, 1)).isEqualTo(DUPLICATE);
        assertThat(t.record(A, 0)).isEqualTo(DUPLICATE);
        assertThat(t.duplicates()).isEqualTo(2);
        assertThat(t.distinct()).isEqualTo(2);
        assertThat(t.outOfOrder()).isZero();
        assertThat(t.lost(k -> 2, new long[] {A})).isZero();
    }

    @Test
    void lateMessageIsOutOfOrderButNotLost() {
        SequenceTracker t = new SequenceTracker();
        t.record(A, 0);
        t.record(A, 2);
        t.record(A, 3);
        assertThat(t.record(A, 1)).isEqualTo(OUT_OF_ORDER);
        assertThat(t.outOfOrder()).isEqualTo(1);
        assertThat(t.lost(k -> 4, new long[] {A})).isZero();
    }

    @Test
    void gapsAndMissingTailAreLost() {
        SequenceTracker t = new SequenceTracker();
        t.record(A, 0);
        t.record(A, 3); // 1 and 2 missing
        // publisher got 6 accepted: 4 and 5 never came either
        assertThat(t.lost(k -> 6, new long[] {A})).isEqualTo(4);
    }

    @Test
    void publisherNeverHeardFromLosesEverythingItWasAccepted() {
        SequenceTracker t = new SequenceTracker();
        t.record(A, 0);
        assertThat(t.lost(k -> k == A ? 1 : 5, new long[] {A, B})).isEqualTo(5);
    }

    @Test
    void messageSentButNotYetAcknowledgedThatArrivedIsNotLoss() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 0; s < 10; s++) {
            t.record(A, s);
        }
        // only 8 acknowledged when the run ended: receiving 10 is fine, and owed becomes 10
        assertThat(t.lost(k -> 8, new long[] {A})).isZero();
        SequenceTracker gap = new SequenceTracker();
        gap.record(A, 9);
        assertThat(gap.lost(k -> 8, new long[] {A})).isEqualTo(9);
    }

    @Test
    void unknownPublisherIsJudgedByItsGaps() {
        SequenceTracker t = new SequenceTracker();
        t.record(B, 5);
        t.record(B, 7);
        // -1: count unknown (another process); 0..7 owed, 2 arrived
        assertThat(t.lost(k -> -1, new long[0])).isEqualTo(6);
    }

    @Test
    void publishersAreTrackedSeparately() {
        SequenceTracker t = new SequenceTracker();
        assertThat(t.record(A, 5)).isEqualTo(NEW);
        assertThat(t.record(B, 0)).isEqualTo(NEW);
        assertThat(t.record(A, 6)).isEqualTo(NEW);
        assertThat(t.record(B, 1)).isEqualTo(NEW);
        assertThat(t.distinct(A)).isEqualTo(2);
        assertThat(t.distinct(B)).isEqualTo(2);
        assertThat(t.outOfOrder()).isZero();
        assertThat(SequenceTracker.key(1, 2)).isNotEqualTo(SequenceTracker.key(2, 1));
    }
}
