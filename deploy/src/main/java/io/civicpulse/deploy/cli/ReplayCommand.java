package io.civicpulse.deploy.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.civicpulse.ingest.replay.Recording;
import io.civicpulse.ingest.replay.ReplayServer;
import io.civicpulse.ingest.replay.ReplayServer.Pace;
import io.civicpulse.ingest.replay.ReplayServer.Progress;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse replay}: serves a recording (made by {@code civicpulse record}) at the simulator's paths, so the
 * real pollers ({@code civicpulse ingest}, with the same city file) reproduce a recorded day, at real time, faster,
 * or as fast as they can take it. Prints the feed URLs, then progress lines, and exits at the end of the recording
 * unless asked to keep serving its last state.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Serves a recording of city feeds (civicpulse record) over HTTP at the simulator's paths,"
                + " replayed in order: at a speed factor of real time, or as fast as the pollers fetch each snapshot."
                + " The replay clock starts at the recording's first snapshot with the first feed request.",
                "Stops at the end of the recording (or keeps serving its last state with --keep-serving), or on"
                        + " Ctrl+C or SIGTERM."})
final class ReplayCommand implements Callable<Integer> {

    static final String READY_MARKER = "Replay is up";

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, description = "The recording: {city}/{feed}/{epochMillis}.pb|json and {city}/gtfs.zip.")
    Path dir;

    @Option(names = "--speed", paramLabel = "FACTOR",
            description = "Recorded seconds per real second: 1 is real time, 60 an hour a minute (default 1).")
    Double speed;

    @Option(names = "--as-fast-as-possible",
            description = "Move to the next snapshot as soon as every polled feed was fetched at the current one, so"
                    + " the pollers see each snapshot once, in order.")
    boolean asFastAsPossible;

    @Option(names = "--feeds", split = ",", paramLabel = "FEED",
            description = "Serve only these feeds: gtfs, trip-updates, vehicle-positions, alerts, gbfs-v2, gbfs-v3"
                    + " (default: all). As fast as possible, the replay waits for every polled feed it serves.")
    List<String> feeds;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8090",
            description = "HTTP port, the simulator's by default so city files written for it work unchanged; 0 picks a"
                    + " free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--keep-serving", description = "At the end, keep serving the last snapshots until stopped.")
    boolean keepServing;

    @Option(names = "--progress-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "Seconds between progress lines (default ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Pace pace = pace();
        Recording recording;
        try {
            recording = Recording.read(dir);
            if (feeds != null && !feeds.isEmpty()) {
                recording = recording.onlyFeeds(new LinkedHashSet<>(feeds));
            }
        } catch (IllegalArgumentException | IOException e) {
            throw new ParameterException(spec.commandLine(), "--dir " + dir + ": " + e.getMessage(), e);
        }
        for (String warning : recording.warnings()) {
            out.println("  warning: " + warning);
        }
        ReplayServer replay = ReplayServer.start(host, port, recording, pace);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            replay.close();
            stopped.countDown();
            ended.countDown();
        }, "civicpulse-replay-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        out.printf(Locale.ROOT, "%s at %s: %s, %d snapshots from %s to %s, %s%n", READY_MARKER, replay.baseUri(),
                recording.directory(), recording.snapshots().size(), recording.first(), recording.last(), pace);
        for (String city : recording.cities()) {
            FeedUrls u = replay.urls(city);
            out.printf("  %s (%s)%n", city, String.join(", ", recording.feeds(city)));
            print(out, "gtfs static", u.gtfsStatic());
            print(out, "trip updates", u.tripUpdates());
            print(out, "vehicle positions", u.vehiclePositions());
            print(out, "alerts", u.alerts());
            print(out, "gbfs 3.0", u.gbfsV3());
            print(out, "gbfs 2.3", u.gbfsV2());
        }
        out.printf("The replay clock starts with the first feed request. Stop with Ctrl+C, or: kill %d%n",
                ProcessHandle.current().pid());
        out.flush();

        replay.completion().thenRun(ended::countDown);
        StatusLine.every(Duration.ofSeconds(Math.max(1, progressSeconds)), out, () -> progress(replay.progress()),
                ended);
        if (stopped.getCount() == 0) {
            return 0;
        }
        out.println("Replay complete: " + progress(replay.progress()));
        out.flush();
        if (keepServing) {
            out.println("Serving the last state until stopped.");
            out.flush();
            stopped.await();
            return 0;
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        replay.close();
        return 0;
    }

    private Pace pace() {
        if (asFastAsPossible && speed != null) {
            throw new ParameterException(spec.commandLine(), "give --speed or --as-fast-as-possible, not both");
        }
        if (asFastAsPossible) {
            return Pace.AS_FAST_AS_POSSIBLE;
        }
        try {
            return Pace.ofSpeed(speed == null ? 1 : speed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--speed: " + e.getMessage(), e);
        }
    }

    private static void print(PrintWriter out, String label, Object url) {
        if (url != null) {
            out.printf("    %-18s %s%n", label, url);
        }
    }

    static String progress(Progress p) {
        String line = String.format(Locale.ROOT, "replay at %s: step %d of %d, %d of %d snapshots served",
                p.position(), p.step() + 1, p.steps(), p.snapshotsServed(), p.snapshots());
        if (p.snapshotsSkipped() > 0) {
            line += ", " + p.snapshotsSkipped() + " skipped (pollers slower than the speed)";
        }
        if (!p.waitingFor().isEmpty()) {
            line += ", waiting for " + String.join(", ", p.waitingFor());
        }
        return line;
    }
}
