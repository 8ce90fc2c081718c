package io.civicpulse.ingest.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.ingest.replay.RecordingLayout.FeedPath;

/**
 * A recording on disk, indexed: every city's feeds and their snapshots in time order. Reading is tolerant, because
 * recordings are copied around, annotated and trimmed by hand: a file or folder that is not part of the layout is
 * skipped with a warning ({@link #warnings()}), never an error. Snapshot contents are not looked at: a snapshot
 * that is not valid protobuf or JSON is served as it is, so that a day of bad input replays as it happened.
 * Only the index is held in memory; snapshot bytes are read when served.
 */
public final class Recording {

    private static final Logger log = LoggerFactory.getLogger(Recording.class);
    private static final Pattern GBFS_FOLDER = Pattern.compile("gbfs-v([23])");

    /**
     * One stored response of a feed.
     *
     * @param feed its feed's name in the recording: {@code gtfs}, {@code trip-updates}, {@code gbfs-v3/station_status}
     * @param at   when it was fetched; null for a {@code gtfs.zip}, which holds from the start of the recording
     */
    public record Snapshot(String city, String feed, Instant at, Path file) {
    }

    /** A feed of one city with its snapshots, oldest first. */
    record Track(String city, FeedPath feed, List<Snapshot> snapshots) {

        /** The path the replay serves it at, e.g. {@code /sofia/gtfs-rt/trip-updates.pb}. */
        String path() {
            return "/" + city + "/" + feed.servedPath();
        }
    }

    private final Path directory;
    private final List<Track> tracks;
    private final List<String> warnings;

    private Recording(Path directory, List<Track> tracks, List<String> warnings) {
        this.directory = directory;
        this.tracks = List.copyOf(tracks);
        this.warnings = List.copyOf(warnings);
    }

    /** Indexes the recording under {@code directory}; files that do not belong to the layout are skipped with a warning. */
    public static Recording read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "no recording folder here");
        }
        List<Track> tracks = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Path entry : list(directory)) {
            String name = entry.getFileName().toString();
            if (!Files.isDirectory(entry)) {
                warn(warnings, entry, "not a city folder");
            } else if (!RecordingLayout.CITY.matcher(name).matches()) {
                warn(warnings, entry, "a city folder is named by its city id: lower-case letters, digits and '-'");
            } else {
                readCity(name, entry, tracks, warnings);
            }
        }
        requireTimed(directory, tracks, warnings);
        return new Recording(directory, tracks, warnings);
    }

    /** A replay's clock runs from the first to the last timestamped snapshot; without one there is nothing to run. */
    private static void requireTimed(Path directory, List<Track> tracks, List<String> warnings) {
        if (tracks.stream().allMatch(t -> t.snapshots().stream().allMatch(s -> s.at() == null))) {
            throw new IllegalArgumentException("nothing to replay in " + directory + ": no timestamped snapshot"
                    + " (expected {city}/{feed}/{epochMillis}.pb|json)"
                    + (warnings.isEmpty() ? "" : "; skipped: " + warnings));
        }
    }

    private static void readCity(String city, Path cityDir, List<Track> tracks, List<String> warnings)
            throws IOException {
        List<Snapshot> statics = new ArrayList<>();
        for (Path entry : list(cityDir)) {
            String name = entry.getFileName().toString();
            Matcher version = RecordingLayout.STATIC_VERSION.matcher(name);
            Matcher gbfs = GBFS_FOLDER.matcher(name);
            boolean folder = Files.isDirectory(entry);
            if (!folder && name.equals(RecordingLayout.STATIC_ZIP)) {
                statics.add(new Snapshot(city, "gtfs", null, entry));
            } else if (!folder && version.matches()) {
                statics.add(new Snapshot(city, "gtfs", Instant.ofEpochMilli(Long.parseLong(version.group(1))), entry));
            } else if (folder && RecordingLayout.REALTIME_FEEDS.contains(name)) {
                track(city, FeedPath.realtime(name), entry, tracks, warnings);
            } else if (folder && gbfs.matches()) {
                int v = Integer.parseInt(gbfs.group(1));
                for (Path file : list(entry)) {
                    String fileName = file.getFileName().toString();
                    if (Files.isDirectory(file) && RecordingLayout.GBFS_FILE.matcher(fileName).matches()) {
                        track(city, FeedPath.gbfs(v, fileName), file, tracks, warnings);
                    } else {
                        warn(warnings, file, "not a GBFS file folder ({city}/gbfs-vN/{file}/{epochMillis}.json)");
                    }
                }
            } else if (!name.endsWith(RecordingLayout.PARTIAL_SUFFIX)) {
                warn(warnings, entry, "not a feed of the recording layout (gtfs.zip, gtfs-<epochMillis>.zip,"
                        + " trip-updates/, vehicle-positions/, alerts/, gbfs-v2/, gbfs-v3/)");
            }
        }
        if (!statics.isEmpty()) {
            statics.sort(SNAPSHOT_ORDER);
            tracks.add(new Track(city, FeedPath.staticZip(), List.copyOf(statics)));
        }
    }

    private static void track(String city, FeedPath feed, Path folder, List<Track> tracks, List<String> warnings)
            throws IOException {
        Pattern snapshotName = Pattern.compile("(\\d{1,18})\\." + feed.extension());
        List<Snapshot> snapshots = new ArrayList<>();
        for (Path file : list(folder)) {
            String name = file.getFileName().toString();
            Matcher m = snapshotName.matcher(name);
            if (Files.isRegularFile(file) && m.matches()) {
                snapshots.add(new Snapshot(city, feed.name(), Instant.ofEpochMilli(Long.parseLong(m.group(1))), file));
            } else if (!name.endsWith(RecordingLayout.PARTIAL_SUFFIX)) {
                warn(warnings, file, "not a snapshot of " + feed.name() + " (expected {epochMillis}."
                        + feed.extension() + ")");
            }
        }
        if (snapshots.isEmpty()) {
            warn(warnings, folder, "holds no snapshot");
            return;
        }
        snapshots.sort(SNAPSHOT_ORDER);
        tracks.add(new Track(city, feed, List.copyOf(snapshots)));
    }

    private static final Comparator<Snapshot> SNAPSHOT_ORDER = Comparator.comparing(Snapshot::at,
            Comparator.nullsFirst(Comparator.naturalOrder()));

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted().toList();
        }
    }

    private static void warn(List<String> warnings, Path file, String why) {
        String line = "skipped " + file + ": " + why;
        log.warn("recording: {}", line);
        warnings.add(line);
    }

    public Path directory() {
        return directory;
    }

    /** What was skipped while reading, one line per file or folder. */
    public List<String> warnings() {
        return warnings;
    }

    public SortedSet<String> cities() {
        TreeSet<String> cities = new TreeSet<>();
        tracks.forEach(t -> cities.add(t.city()));
        return cities;
    }

    /** The names of a city's recorded feeds: {@code gtfs}, {@code trip-updates}, {@code gbfs-v3/station_status}, ... */
    public SortedSet<String> feeds(String city) {
        TreeSet<String> feeds = new TreeSet<>();
        tracks.stream().filter(t -> t.city().equals(city)).forEach(t -> feeds.add(t.feed().name()));
        return feeds;
    }

    /** Every snapshot, untimed static zips first, then by time. */
    public List<Snapshot> snapshots() {
        return tracks.stream().flatMap(t -> t.snapshots().stream()).sorted(SNAPSHOT_ORDER).toList();
    }

    /** When the first snapshot was fetched: where a replay starts. */
    public Instant first() {
        return snapshots().stream().map(Snapshot::at).filter(a -> a != null).findFirst().orElseThrow();
    }

    /** When the last snapshot was fetched: where a replay ends. */
    public Instant last() {
        List<Snapshot> all = snapshots();
        return all.get(all.size() - 1).at();
    }

    /**
     * The same recording restricted to some feeds, e.g. to replay only what an ingest polls (an as-fast-as-possible
     * replay waits for every polled feed it serves).
     *
     * @param feeds feed names or their groups: {@code gtfs}, {@code trip-updates}, {@code vehicle-positions},
     *              {@code alerts}, {@code gbfs-v2}, {@code gbfs-v3}, or one GBFS file as {@code gbfs-v3/station_status}
     */
    public Recording onlyFeeds(Set<String> feeds) {
        List<Track> kept = tracks.stream().filter(t -> feeds.contains(t.feed().name())
                || t.feed().name().contains("/") && feeds.contains(t.feed().name().split("/", 2)[0])).toList();
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("none of the feeds " + feeds + " is in the recording " + directory);
        }
        requireTimed(directory, kept, warnings);
        return new Recording(directory, kept, warnings);
    }

    List<Track> tracks() {
        return tracks;
    }
}
