package io.civicpulse.deploy.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.deploy.testing.CliProcess;
import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.ingest.simulator.services.SimulatedOpen311;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.topics.Topics;

/** {@code civicpulse ingest} as an operator runs it: a city file, a real broker, feeds over HTTP, SIGTERM to stop. */
class IngestCommandIT {

    /** A figure no other test publishes, to find this run's record on the shared topic. */
    private static final long POPULATION = 200_000L + ThreadLocalRandom.current().nextLong(100_000);

    @Test
    void pollsEveryFeedOfTheCityFileIntoKafkaAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        // The simulated day starts at the last 10:00 in Granada: at night no bus runs, and the feeds would carry no
        // positions and no trip updates to publish.
        ZoneId granada = CityProfile.granada().zone();
        ZonedDateTime now = ZonedDateTime.now(granada);
        ZonedDateTime tenToday = now.truncatedTo(ChronoUnit.DAYS).withHour(10);
        Instant daytime = (tenToday.isAfter(now) ? tenToday.minusDays(1) : tenToday).toInstant();
        SimulationClock clock = SimulationClock.running(daytime, 1);
        CitySimulation city = CitySimulation.create(CityProfile.granada(), 5, NetworkSize.SMALL, clock);
        ServiceUsageModel services = new ServiceUsageModel("granada", 5, city.city().zone(),
                Instant.now().minus(Duration.ofDays(3)), 0.2, new double[] {37.1, -3.7, 37.25, -3.5});
        HttpServer open311 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String open311Path = new SimulatedOpen311(services, clock, 1000).register(open311);
        open311.start();
        try (SimulatorServer simulator = SimulatorServer.start("127.0.0.1", 0, List.of(city))) {
            SimulatorServer.FeedUrls urls = simulator.urls("granada");
            Path cityFile = dir.resolve("granada.properties");
            Files.writeString(cityFile, String.join("\n",
                    "city.id=granada",
                    "city.time-zone=Europe/Madrid",
                    "gtfs.static.url=" + urls.gtfsStatic(),
                    "gtfsrt.trip-updates.url=" + urls.tripUpdates(),
                    "gtfsrt.trip-updates.interval=PT2S",
                    "gtfsrt.vehicle-positions.url=" + urls.vehiclePositions(),
                    "gtfsrt.vehicle-positions.interval=PT2S",
                    "gbfs.granada-bikes.url=" + urls.gbfsV3(),
                    "open311.url=http://127.0.0.1:" + open311.getAddress().getPort() + open311Path,
                    "open311.interval=PT5S",
                    "population.city=" + POPULATION,
                    "population.as-of=2024-01-01", ""));

            try (CliProcess ingest = CliProcess.start(Map.of(), "ingest", "--city-config", cityFile.toString(),
                    "--bootstrap-servers", SharedStack.get().bootstrapServers(),
                    "--schema-registry-url", SharedStack.get().registryUrl(), "--status-every", "1")) {
                ingest.awaitOutput("Ingest running for granada", Duration.ofSeconds(60));
                await("every kind of feed published").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(ingest.output())
                                .containsPattern("published [1-9][0-9]* positions, [1-9][0-9]* trip updates, "
                                        + "[0-9]+ alerts, [1-9][0-9]* bike statuses, [1-9][0-9]* Open311 events"));
                assertThat(ingest.output()).contains("Population {city=" + POPULATION + "} as of 2024-01-01");
                assertThat(populationPublished()).as("the city file's population on the population topic")
                        .extracting(AreaPopulation::getCity, AreaPopulation::getArea, AreaPopulation::getAsOf)
                        .containsExactly("granada", "city", LocalDate.of(2024, 1, 1));
                ingest.process().destroy(); // SIGTERM
                assertThat(ingest.process().waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            }
        } finally {
            open311.stop(0);
        }
    }

    private static AreaPopulation populationPublished() {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "population-check-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, AreaPopulation> consumer = new KafkaConsumer<>(config,
                Topics.POPULATION.keySerde().deserializer(), Topics.POPULATION.valueSerde(config).deserializer())) {
            consumer.subscribe(List.of(Topics.POPULATION.name()));
            AtomicReference<AreaPopulation> found = new AtomicReference<>();
            await("population record").atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key().equals("granada/city") && r.value().getPopulation() == POPULATION) {
                        found.set(r.value());
                    }
                });
                return found.get() != null;
            });
            return found.get();
        }
    }
}
