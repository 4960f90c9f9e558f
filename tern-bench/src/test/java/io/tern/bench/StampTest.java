package io.tern.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StampTest {

    @Test
    void headerRoundTripsWithNegativeAndLargeValues() {
        byte[] b = Stamp.payload(64, 0x8000_0001, -1, (1L << 40) + 3, Long.MIN_VALUE + 5);
        assertThat(b).hasSize(64);
        assertThat(Stamp.fits(b)).isTrue();
        assertThat(Stamp.runId(b)).isEqualTo(0x8000_0001);
        assertThat(Stamp.publisherId(b)).isEqualTo(-1);
        assertThat(Stamp.seq(b)).isEqualTo((1L << 40) + 3);
        assertThat(Stamp.nanoTime(b)).isEqualTo(Long.MIN_VALUE + 5);
    }

    @Test
    void payloadIsNeverSmallerThanTheHeader() {
        assertThat(Stamp.payload(1, 1, 2, 3, 4)).hasSize(Stamp.SIZE);
        assertThat(Stamp.fits(new byte[Stamp.SIZE - 1])).isFalse();
    }

    @Test
    void topicTemplateExpandsClientNumber() {
        assertThat(BenchRun.expand("bench/%i/x%i", 12)).isEqualTo("bench/12/x12");
        assertThat(BenchRun.expand("bench/fanout", 3)).isEqualTo("bench/fanout");
    }
}
