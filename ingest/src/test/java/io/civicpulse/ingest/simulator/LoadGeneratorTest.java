package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.transit.realtime.GtfsRealtime.FeedMessage;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    private static final Instant RUSH_HOUR = Instant.parse("2026-03-31T05:00:00Z");

    @Test
    void generatesAsFastAsItCanAndPrintsTheRate() {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.FULL,
                SimulationClock.manual(RUSH_HOUR));
        LoadGenerator generator = new LoadGenerator(sofia, RUSH_HOUR, Duration.ofSeconds(10), 0);
        generator.generate(100_000, m -> { }); // warm-up
        AtomicLong entities = new AtomicLong();
        long start = System.nanoTime();
        long generated = generator.generate(1_000_000, m -> entities.addAndGet(m.getEntityCount()));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("load generator: %,d events in %.2f s = %,.0f events/s (%s)%n", generated, seconds,
                generated / seconds, generator.stats());
        assertThat(generated).isGreaterThanOrEqualTo(1_000_000).isEqualTo(entities.get());
        assertThat(generator.stats().tripUpdates()).isPositive();
        assertThat(generator.stats().vehiclePositions()).isPositive();
    }

    @Test
    void itsFeedsAreValidGtfsRealtimeAndRecordNothing() throws InvalidProtocolBufferException {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(RUSH_HOUR));
        LoadGenerator generator = new LoadGenerator(sofia, RUSH_HOUR, Duration.ofSeconds(30), 0);
        FeedMessage[] poll = generator.nextPoll();
        FeedMessage reparsed = FeedMessage.parseFrom(poll[0].toByteArray());
        assertThat(reparsed.getEntityCount()).isPositive();
        assertThat(reparsed.getHeader().getTimestamp()).isEqualTo(RUSH_HOUR.getEpochSecond());
        assertThat(generator.nextPoll()[1].getHeader().getTimestamp()).isEqualTo(RUSH_HOUR.getEpochSecond() + 30);
        assertThat(sofia.groundTruth().tripsSeenCount()).isZero();
    }

    @Test
    void itServesTheSameEntitiesAsTheSimulatorAtTheSameInstant() throws InvalidProtocolBufferException {
        SimulationClock clock = SimulationClock.manual(RUSH_HOUR.plusSeconds(90));
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        LoadGenerator generator = new LoadGenerator(sofia, RUSH_HOUR, Duration.ofSeconds(30), 0);
        for (int i = 0; i < 3; i++) {
            generator.nextPoll();
        }
        FeedMessage generated = generator.nextPoll()[0];
        FeedMessage served = FeedMessage.parseFrom(sofia.feed(CitySimulation.Feed.TRIP_UPDATES).body());
        assertThat(generated).isEqualTo(served);
    }

    @Test
    void aPacedGeneratorDoesNotRunAheadOfItsRate() {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(RUSH_HOUR));
        LoadGenerator generator = new LoadGenerator(sofia, RUSH_HOUR, Duration.ofSeconds(10), 20_000);
        long start = System.nanoTime();
        long generated = generator.generate(10_000, m -> { });
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).isGreaterThanOrEqualTo(generated / 20_000.0 * 0.95);
    }
}
