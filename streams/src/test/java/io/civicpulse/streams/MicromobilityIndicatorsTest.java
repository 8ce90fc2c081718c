package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.mobility.AvailabilityKind;

/**
 * micromobility.station-availability and micromobility.vehicles-available-per-100k from GBFS snapshots, against
 * hand-computed levels: each station and vehicle counts as its newest report says, once, until it is forgotten.
 */
class MicromobilityIndicatorsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String STATIONS = "sofia/micromobility.station-availability/city/";
    private static final String VEHICLES = "sofia/micromobility.vehicles-available-per-100k/city/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("micro-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    @Test
    void stationAvailabilityIsRentingStationsWithAVehicleOverInstalledStations() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s2", 0, true, true, minutes(1)));   // empty
        kit.send(kit.station("sofia", "bikes", "s3", 2, true, false, minutes(1)));  // installed, not renting
        kit.send(kit.station("sofia", "bikes", "s4", 5, false, false, minutes(1))); // not installed: in neither
        kit.tick();

        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(3);
        assertThat(value.getKpiValue()).isCloseTo(100.0 / 3, within(1e-9));
        assertThat(value.getSampleCount()).isEqualTo(3);
        assertThat(value.getUnit()).isEqualTo("%");
    }

    @Test
    void sameStatusSeenTwiceCountsOnce() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1))); // the same poll delivered again
        // The same report received again in a later poll (e.g. after an ingest restart).
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)).setIngestedAt(minutes(3)));
        kit.send(kit.station("sofia", "bikes", "s2", 0, true, true, minutes(2)));
        kit.tick();

        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(2);
        assertThat(value.getKpiValue()).isEqualTo(50.0);
    }

    @Test
    void olderReportThanTheOneAppliedChangesNothing() {
        kit.send(kit.station("sofia", "bikes", "s1", 0, true, true, minutes(5)));
        kit.send(kit.station("sofia", "bikes", "s1", 4, true, true, minutes(2))); // delivered late: older
        kit.tick();

        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(0);
        assertThat(value.getDenominator()).isEqualTo(1);
        assertThat(value.getKpiValue()).isEqualTo(0.0);
    }

    @Test
    void stationAvailabilityIsTheLevelAtEachWindowsEnd() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s2", 1, true, true, minutes(2)));
        kit.send(kit.station("sofia", "bikes", "s1", 0, true, true, minutes(20))); // s1 emptied
        kit.send(kit.station("sofia", "bikes", "s2", 2, true, true, minutes(36))); // closes 10:15 and 10:30

        assertThat(kit.finalOf(STATIONS + "PT15M", T, minutes(15)).getKpiValue()).isEqualTo(100.0);
        IndicatorValue second = kit.finalOf(STATIONS + "PT15M", minutes(15), minutes(30));
        assertThat(second.getNumerator()).isEqualTo(1);
        assertThat(second.getDenominator()).isEqualTo(2);
        assertThat(second.getFinal$()).isTrue();
    }

    @Test
    void sameStationIdAtTwoOperatorsIsTwoStations() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "cargo-bikes", "s1", 0, true, true, minutes(1)));
        kit.tick();

        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(2);
    }

    @Test
    void twoCitiesWithTheSameStationIdsAreKeptApart() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s2", 3, true, true, minutes(1)));
        kit.send(kit.station("patras", "bikes", "s1", 0, true, true, minutes(1)));
        kit.send(kit.station("patras", "bikes", "s2", 2, true, true, minutes(1)));
        kit.send(kit.station("patras", "bikes", "s1", 0, true, true, minutes(2))); // patras' s1 again: no change
        kit.tick();

        assertThat(kit.lastLive(STATIONS + "PT15M").getKpiValue()).isEqualTo(100.0);
        IndicatorValue patras = kit.lastLive("patras/micromobility.station-availability/city/PT15M");
        assertThat(patras.getNumerator()).isEqualTo(1);
        assertThat(patras.getDenominator()).isEqualTo(2);
    }

    @Test
    void vehiclesAvailableCountDockedAndFreeFloatingVehiclesOnce() {
        kit.population("sofia", "city", 1_000_000, T.minusSeconds(3600));
        kit.send(kit.station("sofia", "bikes", "s1", 4, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s2", 3, true, false, minutes(1))); // not renting: not available
        kit.send(kit.vehicle("sofia", "bikes", "b7", minutes(1)).setStationId("s1")); // docked: in s1's 4
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(1)));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(1))); // duplicate
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(2)).setIsReserved(true).setNumVehiclesAvailable(0));
        kit.tick();

        // 4 docked + 1 free-floating among 10 x 100,000 residents.
        IndicatorValue value = kit.lastLive(VEHICLES + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(5);
        assertThat(value.getDenominator()).isEqualTo(10.0);
        assertThat(value.getKpiValue()).isCloseTo(0.5, within(1e-12));
        assertThat(value.getSampleCount()).isEqualTo(5);
        assertThat(value.getUnit()).isEqualTo("count");
    }

    @Test
    void vehicleThatBecomesReservedLeavesTheCount() {
        kit.population("sofia", "city", 100_000, T.minusSeconds(3600));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(1)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(1)));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(3)).setIsReserved(true).setNumVehiclesAvailable(0));
        kit.tick();

        assertThat(kit.lastLive(VEHICLES + "PT15M").getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void stationNotReceivedForAnHourLeavesTheLevel() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(0)));   // received 10:00:01
        kit.send(kit.station("sofia", "bikes", "s2", 0, true, true, minutes(30)));
        kit.send(kit.station("sofia", "bikes", "s2", 1, true, true, minutes(59)));
        kit.wallClockRuns(Duration.ofMinutes(1));
        IndicatorValue before = kit.lastLive(STATIONS + "PT15M");
        assertThat(before.getNumerator()).isEqualTo(2);
        assertThat(before.getDenominator()).isEqualTo(2);

        kit.send(kit.station("sofia", "bikes", "s2", 2, true, true, minutes(61))); // city received up to 11:01:01
        kit.wallClockRuns(Duration.ofMinutes(1));

        IndicatorValue after = kit.lastLive(STATIONS + "PT15M");
        assertThat(after.getNumerator()).isEqualTo(1);
        assertThat(after.getDenominator()).isEqualTo(1);
        assertThat(after.getSampleCount()).isEqualTo(1);
    }

    @Test
    void freeVehicleNotReceivedForHalfAnHourLeavesTheCount() {
        kit.population("sofia", "city", 100_000, T.minusSeconds(3600));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(0)));  // rented at 10:05: never reported again
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(0)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(20)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(29)));
        kit.wallClockRuns(Duration.ofMinutes(1));
        assertThat(kit.lastLive(VEHICLES + "PT15M").getKpiValue()).isEqualTo(2.0);

        kit.send(kit.vehicle("sofia", "scoot", "v3", minutes(31))); // v1 now unseen for over 30 minutes
        kit.wallClockRuns(Duration.ofMinutes(1));

        // v2 and v3 among 1 x 100,000 residents.
        IndicatorValue value = kit.lastLive(VEHICLES + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(2);
        assertThat(value.getKpiValue()).isEqualTo(2.0);
    }

    @Test
    void aVehicleLeavesTheCountAsTheCitysIngestionTimePassesItsForgetTimeWithoutWaitingForTheWallClock() {
        // A catch-up or a fast replay: no wall-clock minute passes while half an hour of feed goes through.
        kit.population("sofia", "city", 100_000, T.minusSeconds(3600));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(0)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(0)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(20)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(31)));
        kit.tick();

        assertThat(kit.lastLive(VEHICLES + "PT15M").getNumerator()).as("v2 only").isEqualTo(1);
    }

    @Test
    void aReportFromBeforeTheForgetTimeReceivedAfterItCountsOnceFromItsReceipt() {
        kit.population("sofia", "city", 100_000, T.minusSeconds(3600));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(0)));  // received 10:00:01
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(0)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(20)));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(31))); // v1 unseen since 10:00:01: out at 10:30:01
        // v1 reported at 10:29:50, but the feed delivered it only at 10:32, while 10:15-10:30 is still in its grace:
        // in that window v1 still counts by its first report, and must not count a second time by this one.
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(29 + 50 / 60.0)).setIngestedAt(minutes(32)));
        // Changes move the city's clock (a repeated level does not): these close 10:15-10:30, then 10:30-10:45.
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(36)).setIsReserved(true).setNumVehiclesAvailable(0));
        kit.send(kit.vehicle("sofia", "scoot", "v2", minutes(51)));

        assertThat(kit.finalOf(VEHICLES + "PT15M", minutes(15), minutes(30)).getNumerator()).as("v1 and v2")
                .isEqualTo(2);
        assertThat(kit.finalOf(VEHICLES + "PT15M", minutes(30), minutes(45)).getNumerator())
                .as("v1 back, v2 reserved").isEqualTo(1);
    }

    @Test
    void forgottenStationReceivedAgainCountsAgain() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(0)));
        kit.send(kit.station("sofia", "bikes", "s2", 0, true, true, minutes(61)));
        kit.wallClockRuns(Duration.ofMinutes(1)); // s1 forgotten
        // The same report of s1 published again (an ingest restart): the same eventId, the station is back.
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(0)).setIngestedAt(minutes(62)));
        kit.tick();

        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(2);
    }

    @Test
    void unusableRecordsAreDeadLetteredAndTheirNeighboursCounted() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s2", 1, true, true, minutes(1)).setKind(AvailabilityKind.UNKNOWN));
        kit.send(kit.station("sofia", "bikes", null, 1, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bikes", "s3", -2, true, true, minutes(1)));
        kit.send(kit.station("sofia", "bi|kes", "s4", 1, true, true, minutes(1)));
        kit.send(kit.vehicle("sofia", "scoot", "v1", minutes(1)).setNumVehiclesAvailable(2));
        kit.send(kit.station("sofia", "bikes", "s5", 1, true, true, minutes(1))
                .setFeedTimestamp(minutes(60))); // a file time an hour after it was received
        kit.send(kit.station("sofia", "bikes", "s6", 0, true, true, minutes(2)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly(
                "event.unknown-enum", "event.missing-field", "event.invalid-field", "event.invalid-field",
                "event.invalid-field", "event.future-timestamp");
        assertThat(kit.deadLetters()).allSatisfy(letter -> {
            assertThat(letter.getSourceTopic()).isEqualTo("civicpulse.mobility.shared-vehicle-availability.v1");
            assertThat(letter.getPayload()).isNotNull();
        });
        IndicatorValue value = kit.lastLive(STATIONS + "PT15M");
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(2);
    }

    @Test
    void stationAvailabilityIsPublishedAtCityScopeOnly() {
        kit.send(kit.station("sofia", "bikes", "s1", 3, true, true, minutes(1)));
        kit.tick();

        assertThat(kit.indicatorRecords()).extracting(TestRecord::key)
                .filteredOn(key -> key.contains("/micromobility."))
                .isNotEmpty()
                .allMatch(key -> key.startsWith(STATIONS));
    }
}
