package io.civicpulse.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.ingest.replay.Recording.Snapshot;

class RecordingTest {

    private static final Instant T0 = Instant.parse("2026-03-31T05:00:00Z");

    @TempDir
    Path dir;

    @Test
    void filesOutsideTheLayoutAreSkippedWithAWarning() throws Exception {
        Path good = Snapshots.realtime(dir, "trip-updates", T0);
        Files.writeString(dir.resolve("README.md"), "recorded on a Tuesday");
        Files.createDirectories(dir.resolve("Sofia Old"));
        Files.writeString(dir.resolve("sofia").resolve("notes.txt"), "rush hour");
        Snapshots.write(dir, "sofia", "weather", T0, new byte[] {1});
        Files.writeString(dir.resolve("sofia/trip-updates/latest.pb"), "x");
        Files.writeString(dir.resolve("sofia/trip-updates/" + T0.toEpochMilli() + ".json"), "{}");
        Files.writeString(dir.resolve("sofia/trip-updates/" + T0.plusSeconds(1).toEpochMilli() + ".pb.part"), "x");

        Recording recording = Recording.read(dir);

        assertThat(recording.snapshots()).containsExactly(new Snapshot("sofia", "trip-updates", T0, good));
        assertThat(recording.warnings()).hasSize(6).anySatisfy(w -> assertThat(w).contains("README.md"))
                .anySatisfy(w -> assertThat(w).contains("Sofia Old"))
                .anySatisfy(w -> assertThat(w).contains("notes.txt"))
                .anySatisfy(w -> assertThat(w).contains("weather"))
                .anySatisfy(w -> assertThat(w).contains("latest.pb"))
                .anySatisfy(w -> assertThat(w).contains(T0.toEpochMilli() + ".json"));
        assertThat(recording.feeds("sofia")).containsExactly("trip-updates");
    }

    @Test
    void staticZipsHoldFromTheirTimeAndGbfsFilesAreFeedsOfTheirOwn() throws Exception {
        Files.createDirectories(dir.resolve("sofia"));
        Files.write(dir.resolve("sofia/gtfs.zip"), new byte[] {1});
        Files.write(dir.resolve("sofia/gtfs-" + T0.plusSeconds(3600).toEpochMilli() + ".zip"), new byte[] {2});
        Snapshots.write(dir, "sofia", "gbfs-v3/station_status", T0, "{}".getBytes());
        Snapshots.realtime(dir, "alerts", T0.plusSeconds(60));

        Recording recording = Recording.read(dir);

        assertThat(recording.feeds("sofia")).containsExactly("alerts", "gbfs-v3/station_status", "gtfs");
        assertThat(recording.snapshots()).extracting(Snapshot::at)
                .containsExactly(null, T0, T0.plusSeconds(60), T0.plusSeconds(3600));
        assertThat(recording.first()).isEqualTo(T0);
        assertThat(recording.last()).isEqualTo(T0.plusSeconds(3600));
        assertThat(recording.onlyFeeds(Set.of("gbfs-v3")).feeds("sofia")).containsExactly("gbfs-v3/station_status");
    }

    @Test
    void aFolderWithoutAnyTimestampedSnapshotIsRefusedWithTheReason() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "nothing recorded");

        assertThatThrownBy(() -> Recording.read(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to replay").hasMessageContaining("notes.txt");
    }
}
