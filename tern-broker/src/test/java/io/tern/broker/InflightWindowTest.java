package io.tern.broker;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InflightWindowTest {

    private static Session.Inflight entry(long order) {
        return new Session.Inflight(null, order);
    }

    @Test
    void idsAreHandedOutInTurnAndNotReusedWhileInUse() {
        InflightWindow w = new InflightWindow();
        assertThat(w.get(1)).isNull();
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            int id = w.allocate();
            assertThat(id).isBetween(1, 65535);
            assertThat(used.add(id)).as("id %d handed out twice while in use", id).isTrue();
            w.put(id, entry(i));
        }
        assertThat(w.size()).isEqualTo(1000);
        assertThat(w.ids()).hasSize(1000).isSorted();
        // acknowledge in order while sending more: a window of 1000 sliding over many ids
        int[] ids = w.ids();
        for (int id : ids) {
            assertThat(w.remove(id)).isNotNull();
            used.remove(id);
            int fresh = w.allocate();
            assertThat(used.add(fresh)).isTrue();
            w.put(fresh, entry(0));
        }
        assertThat(w.size()).isEqualTo(1000);
        assertThat(w.remove(ids[0])).as("removed twice").isNull();
    }

    @Test
    void theWholeIdSpaceCanBeInFlight() {
        InflightWindow w = new InflightWindow();
        for (int i = 0; i < 65535; i++) {
            w.put(w.allocate(), entry(i));
        }
        assertThat(w.size()).isEqualTo(65535);
        assertThatThrownBy(w::allocate).isInstanceOf(IllegalStateException.class);
        w.remove(40_000);
        assertThat(w.allocate()).isEqualTo(40_000);
    }

    @Test
    void storedIdsFromARestartAreKeptAsTheyAre() {
        InflightWindow w = new InflightWindow();
        w.put(60_001, entry(1));
        w.put(7, entry(2));
        assertThat(w.containsKey(60_001)).isTrue();
        assertThat(w.get(7).order).isEqualTo(2);
        int id = w.allocate();
        assertThat(id).isNotIn(7, 60_001);
        assertThatThrownBy(() -> w.put(0, entry(3))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.put(65_536, entry(3))).isInstanceOf(IllegalArgumentException.class);
        w.clear();
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.get(60_001)).isNull();
    }
}
