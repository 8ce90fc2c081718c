package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse simulate}: serves one or more simulated cities' GTFS static, GTFS-Realtime and GBFS feeds on
 * loopback, in real formats, so that the real pollers (and anyone with curl) can be pointed at them. Prints the
 * feed URLs, then a progress line every few seconds, until SIGINT or SIGTERM.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Serves simulated cities' transit and bike-share feeds (GTFS static, GTFS-Realtime, GBFS 2.3"
                + " and 3.0) over HTTP on 127.0.0.1, with Sofia's real-world quirks. Deterministic for a seed.",
                "Stops cleanly on Ctrl+C or SIGTERM."})
final class SimulateCommand implements Callable<Integer> {

    static final String READY_MARKER = "Simulator is up";

    @Spec
    CommandSpec spec;

    @Option(names = "--city", paramLabel = "CITY[:SEED]", defaultValue = "sofia",
            description = "A city to simulate: sofia or granada, optionally with its own seed (granada:7)."
                    + " Repeat for several cities (default ${DEFAULT-VALUE}).")
    List<String> cities;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of cities given without one (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--speed", defaultValue = "1",
            description = "Simulated seconds per real second: 1 is real time, 60 an hour a minute (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--start", paramLabel = "ISO-8601",
            description = "Simulated start, e.g. 2026-03-29T01:00:00+02:00 (default: now).")
    String start;

    @Option(names = "--size", defaultValue = "full",
            description = "full (Sofia's scale: 140 routes, ~30,600 trips a day), small (a tenth) or a number of"
                    + " routes (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8090", description = "HTTP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--progress-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "Seconds between progress lines (default ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Instant startAt = SimulatedStart.parse(spec.commandLine(), start);
        NetworkSize networkSize;
        SimulationClock clock;
        try {
            networkSize = NetworkSize.parse(size);
            clock = SimulationClock.running(startAt, speed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        out.printf(Locale.ROOT, "Generating %s (%s size, seed %s)...%n",
                String.join(", ", cities), networkSize.name(), seed);
        out.flush();
        long t0 = System.nanoTime();
        List<CitySimulation> simulations = new ArrayList<>();
        for (String c : cities) {
            simulations.add(city(c, networkSize, clock));
        }
        SimulatorServer server = SimulatorServer.start(host, port, simulations);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("Stopping the simulator...");
            out.flush();
            server.close();
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
        }, "civicpulse-simulate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        out.printf(Locale.ROOT, "%s in %.1f s at %s, simulated time %s at %sx%n", READY_MARKER,
                (System.nanoTime() - t0) / 1e9, server.baseUri(), start == null ? startAt : start, speed);
        for (CitySimulation c : simulations) {
            FeedUrls u = server.urls(c.id());
            out.printf("  %s (%s, %d routes, %d stops, %d trips)%n", c.id(), c.city().zone(),
                    c.network().routes().size(), c.network().stops().size(), c.network().trips().size());
            out.printf("    gtfs static        %s%n", u.gtfsStatic());
            out.printf("    trip updates       %s%n", u.tripUpdates());
            out.printf("    vehicle positions  %s%n", u.vehiclePositions());
            out.printf("    alerts             %s%n", u.alerts());
            out.printf("    gbfs 3.0           %s%n", u.gbfsV3());
            out.printf("    gbfs 2.3           %s%n", u.gbfsV2());
            out.printf("    ground truth       %s/%s/ground-truth.json%n", server.baseUri(), c.id());
        }
        out.printf("Stop with Ctrl+C, or: kill %d%n", ProcessHandle.current().pid());
        out.flush();
        StatusLine.every(Duration.ofSeconds(Math.max(1, progressSeconds)), out, () -> progress(simulations), stopped);
        return 0;
    }

    private CitySimulation city(String cityArg, NetworkSize networkSize, SimulationClock clock) {
        String[] parts = cityArg.split(":", 2);
        try {
            long citySeed = parts.length == 2 ? Long.parseLong(parts[1].trim()) : seed;
            return CitySimulation.create(CityProfile.named(parts[0]), citySeed, networkSize, clock);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--city " + cityArg + ": " + e.getMessage(), e);
        }
    }

    private static String progress(List<CitySimulation> simulations) {
        return simulations.stream().map(c -> {
            CitySimulation.Progress p = c.progress();
            return String.format(Locale.ROOT, "%s %s: %d vehicles in service, %d trips served, %d feeds served",
                    c.id(), p.simulatedTime().atZone(c.city().zone()).toOffsetDateTime().withNano(0),
                    p.vehiclesInService(), p.tripsSeen(), p.feedsServed());
        }).collect(Collectors.joining(" | "));
    }
}
