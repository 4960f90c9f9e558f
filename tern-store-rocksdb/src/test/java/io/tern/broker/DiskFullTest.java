package io.tern.broker;

import io.tern.broker.config.PersistenceSync;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Persistence on a filesystem that fills up: a tmpfs of a few megabytes, mounted and unmounted by the test (it
 * needs root; without it the test is skipped with a message). QoS 1 publishes the store cannot write are not
 * acknowledged (MQTT 5: PUBACK 0x97; 3.1.1: the connection closes), every acknowledged one survives a restart,
 * and publishing works again once space returns.
 */
class DiskFullTest {

    @TempDir
    Path dir;

    private Path mount;
    private TestBroker broker;

    @BeforeEach
    void mountSmallFilesystem() throws Exception {
        mount = dir.resolve("small");
        Files.createDirectories(mount);
        boolean mounted = false;
        String why = "not running as root";
        if ("root".equals(System.getProperty("user.name"))) {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            why = "mount -t tmpfs failed: " + out;
        }
        if (!mounted) {
            mount = null;
        }
        Assumptions.assumeTrue(mounted, "disk-full test skipped: " + why);
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            unmountIfMounted();
        }
    }

    private void unmountIfMounted() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private TestBroker start() throws IOException {
        broker = TestBroker.start(c -> c.persistence(true).persistenceLocation(mount.toString())
                .persistenceFile("tern.db").persistenceSync(PersistenceSync.BATCH).maxInflightMessages(1000));
        return broker;
    }

    @Test
    void fullDiskRefusesQos1UntilSpaceReturnsAndLosesNothingAcknowledged() throws Exception {
        start();
        // an offline persistent subscriber: every publish must be queued on disk for it
        try (RawClient sub = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            sub.connect("keeper", false, 60, null, Properties.builder()
                    .put(PropertyId.SESSION_EXPIRY_INTERVAL, 3600L).build());
            sub.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("full/#", 1)), Properties.EMPTY));
            assertThat(sub.next()).isInstanceOf(Packet.SubAck.class);
        }
        // leave about 3 MB more than the store keeps free
        Path filler = mount.resolve("filler");
        long free = Files.getFileStore(mount).getUsableSpace();
        writeFiller(filler, Math.max(0, free - io.tern.store.rocksdb.RocksStoreAccess.reserveBytes() - (3L << 20)));

        Set<Integer> acknowledged = new HashSet<>();
        byte[] payload = new byte[4096];
        int refusedAt = 0;
        try (RawClient pub = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            assertThat(pub.connect("filler-v5").reasonCode()).isZero();
            for (int id = 1; id <= 5000 && refusedAt == 0; id++) {
                pub.send(new Packet.Publish("full/" + id, 1, false, false, id, payload, Properties.EMPTY));
                Packet.PubAck ack = (Packet.PubAck) pub.next();
                assertThat(ack.packetId()).isEqualTo(id);
                if (ack.reasonCode() == 0) {
                    acknowledged.add(id);
                } else {
                    assertThat(ack.reasonCode()).isEqualTo(0x97); // Quota exceeded
                    refusedAt = id;
                }
            }
        }
        assertThat(refusedAt).as("the disk filled up and a PUBLISH was refused").isPositive();
        assertThat(acknowledged).isNotEmpty();

        // MQTT 3.1.1 cannot say no: the connection closes instead of a PUBACK
        try (RawClient v3 = new RawClient(broker.port(), MqttVersion.MQTT_3_1_1)) {
            assertThat(v3.connect("filler-v3").reasonCode()).isZero();
            v3.send(new Packet.Publish("full/v3", 1, false, false, 1, payload, Properties.EMPTY));
            assertThat(v3.readUntilClosed()).isEmpty();
        }

        // space returns: the store recovers by itself and acknowledges again
        Files.delete(filler);
        int[] next = {10_000};
        Awaitility.await("publishing resumes").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    try (RawClient pub = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
                        pub.connect("after-v5");
                        int id = ++next[0];
                        pub.send(new Packet.Publish("full/" + id, 1, false, false, id, payload, Properties.EMPTY));
                        Packet.PubAck ack = (Packet.PubAck) pub.next();
                        if (ack.reasonCode() == 0) {
                            acknowledged.add(id);
                            return true;
                        }
                        return false;
                    }
                });

        // nothing acknowledged is lost, across a restart
        broker.close();
        broker = null;
        start();
        Set<Integer> received = new HashSet<>();
        try (RawClient sub = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            Packet.ConnAck ca = sub.connect("keeper", false, 60, null, Properties.builder()
                    .put(PropertyId.SESSION_EXPIRY_INTERVAL, 3600L).build());
            assertThat(ca.sessionPresent()).isTrue();
            sub.setTimeout(5_000);
            while (!received.containsAll(acknowledged)) {
                Packet.Publish p = (Packet.Publish) sub.next();
                received.add(Integer.parseInt(p.topic().substring("full/".length()).replace("v3", "0")));
                sub.send(new Packet.PubAck(p.packetId(), 0, Properties.EMPTY));
            }
        }
        assertThat(received).containsAll(acknowledged);
    }

    private static void writeFiller(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }
}
