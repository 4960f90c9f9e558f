package io.tern.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code persistence_file} as a marker file: deleting it starts afresh, as deleting Mosquitto's file does. */
class PersistenceFileTest {

    @TempDir
    Path dir;

    @Test
    void aNewStoreGetsAMarkerFileAndADirectoryBesideIt() throws IOException {
        Path file = dir.resolve("mosquitto.db");
        Path store = PersistenceFile.storeDirectory(file);
        assertThat(store).isEqualTo(dir.resolve("mosquitto.db.d").resolve("store"));
        assertThat(Files.isRegularFile(file)).isTrue();
        Files.createDirectories(store);
        Files.writeString(store.resolve("data"), "kept");
        assertThat(PersistenceFile.storeDirectory(file)).isEqualTo(store);
        assertThat(store.resolve("data")).hasContent("kept");
    }

    @Test
    void deletingTheMarkerFileDiscardsTheStore() throws IOException {
        Path file = dir.resolve("mosquitto.db");
        Path store = PersistenceFile.storeDirectory(file);
        Files.createDirectories(store);
        Files.writeString(store.resolve("data"), "old");
        Files.delete(file);
        Path again = PersistenceFile.storeDirectory(file);
        assertThat(again).isEqualTo(store);
        assertThat(Files.exists(store.resolve("data"))).isFalse();
        assertThat(Files.isRegularFile(file)).isTrue();
    }

    @Test
    void anExistingStoreDirectoryIsUsedAsItIs() throws IOException {
        Path old = Files.createDirectories(dir.resolve("tern.db"));
        assertThat(PersistenceFile.storeDirectory(old)).isEqualTo(old);
    }

    @Test
    void aFileThatIsNotAMarkerIsNeverOverwritten() throws IOException {
        Path file = dir.resolve("mosquitto.db");
        Files.write(file, new byte[] {0, (byte) 0xB5, 0, 0x4D});
        assertThatThrownBy(() -> PersistenceFile.storeDirectory(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a Tern persistence file");
        assertThat(Files.readAllBytes(file)).hasSize(4);
    }
}
