package io.civicpulse.ingest.replay;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import io.civicpulse.ingest.simulator.ServedFeed;

/**
 * The one place that knows how a recording is laid out on disk (see the package documentation) and under which
 * HTTP path the replay serves each feed, so that {@link FeedRecorder} writes exactly what {@link Recording} reads.
 */
final class RecordingLayout {

    static final Pattern CITY = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    static final Pattern GBFS_FILE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final String STATIC_ZIP = "gtfs.zip";
    static final Pattern STATIC_VERSION = Pattern.compile("gtfs-(\\d{1,18})\\.zip");
    static final List<String> REALTIME_FEEDS = List.of("trip-updates", "vehicle-positions", "alerts");
    /** A file still being written by a recorder: skipped without a warning. */
    static final String PARTIAL_SUFFIX = ".part";

    private RecordingLayout() {
    }

    /**
     * One feed of a city's recording.
     *
     * @param name       its name in the recording: {@code gtfs}, {@code trip-updates}, {@code gbfs-v3/station_status}
     * @param servedPath where the replay serves it, under {@code /{city}/}: {@code gtfs-rt/trip-updates.pb}
     * @param extension  of its snapshot files
     * @param paced      whether an as-fast-as-possible replay waits for it to be fetched before superseding a
     *                   snapshot: the feeds pollers read on every poll (GTFS-Realtime and GBFS status files). The
     *                   static zip and GBFS discovery and information files are read every few hours or on
     *                   rediscovery; waiting for them would stall a replay for hours.
     */
    record FeedPath(String name, String servedPath, String extension, boolean paced) {

        static FeedPath staticZip() {
            return new FeedPath("gtfs", STATIC_ZIP, "zip", false);
        }

        static FeedPath realtime(String feed) {
            if (!REALTIME_FEEDS.contains(feed)) {
                throw new IllegalArgumentException("not a GTFS-Realtime feed of a recording: " + feed);
            }
            return new FeedPath(feed, "gtfs-rt/" + feed + ".pb", "pb", true);
        }

        static FeedPath gbfs(int version, String file) {
            if (version != 2 && version != 3 || !GBFS_FILE.matcher(file).matches()) {
                throw new IllegalArgumentException("not a GBFS file of a recording: v" + version + " " + file);
            }
            return new FeedPath(gbfsFolder(version) + "/" + file, "gbfs/v" + version + "/" + file + ".json", "json",
                    file.endsWith("_status"));
        }

        /** The folder of this feed's timestamped snapshots under the city's folder (the static zip has none). */
        Path directory(Path cityDir) {
            return cityDir.resolve(name);
        }

        /** The snapshot file of a feed fetched at {@code at}. */
        Path snapshotFile(Path cityDir, Instant at) {
            return directory(cityDir).resolve(at.toEpochMilli() + "." + extension);
        }

        String contentType() {
            return switch (extension) {
                case "pb" -> ServedFeed.PROTOBUF;
                case "zip" -> ServedFeed.ZIP;
                default -> ServedFeed.JSON;
            };
        }

        /** The GBFS version and file name, for GBFS feeds. */
        Optional<GbfsFile> gbfsFile() {
            if (!name.startsWith("gbfs-v")) {
                return Optional.empty();
            }
            return Optional.of(new GbfsFile(name.charAt("gbfs-v".length()) - '0',
                    name.substring("gbfs-vN/".length())));
        }
    }

    record GbfsFile(int version, String file) {
    }

    static String gbfsFolder(int version) {
        return "gbfs-v" + version;
    }

    /** The static zip fetched at {@code at}: {@code gtfs.zip} for the first one, {@code gtfs-<epochMillis>.zip} after. */
    static Path staticZip(Path cityDir, Instant at, boolean first) {
        return cityDir.resolve(first ? STATIC_ZIP : "gtfs-" + at.toEpochMilli() + ".zip");
    }
}
