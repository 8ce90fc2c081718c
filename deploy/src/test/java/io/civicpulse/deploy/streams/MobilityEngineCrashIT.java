package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.CliProcess;
import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.indicators.IndicatorValue;

/**
 * The mobility side of {@link EngineCrashIT}: {@code civicpulse streams} killed with SIGKILL while the simulated
 * city's feeds flow through the real mobility ingest, and started again on the same application id and state
 * directory while ingest goes on publishing. The engine's state is more than windows here (trip predictions, planned
 * runs, shared-vehicle levels, alert states, the de-duplication of re-derived stop events); under exactly_once_v2 every
 * mobility final still equals the independent computation, and no window gets a second final
 * ({@link MobilityScenario#collectFinals} fails on one).
 */
class MobilityEngineCrashIT {

    @Test
    void sigkillMidRunWhileTheFeedsFlowLosesNothingAndDoublesNothing() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Integer> compared;
        try (MobilityScenario scenario = new MobilityScenario();
             KafkaConsumer<String, IndicatorValue> finals = scenario.finalsConsumer()) {
            Path stateDir = Files.createTempDirectory("mobility-crash-state");
            Map<String, String> environment = Map.of(
                    "CIVICPULSE_ZONE_" + scenario.city.toUpperCase(Locale.ROOT), scenario.zone.getId(),
                    "CIVICPULSE_SOURCE_STARTUP_GRACE", "PT5S",
                    // The shared broker's topics hold every earlier test's events: older ones are refused.
                    "CIVICPULSE_EVENT_EARLIEST", scenario.start.minus(Duration.ofHours(1)).toString(),
                    // As in the in-process test: at 75x a quiet minute of wall time is more than an hour of feed.
                    "CIVICPULSE_IDLE_ADVANCE_AFTER", "PT20S",
                    // The killed instance stays in the group until its session times out; the default is 45 s.
                    "KAFKA_SESSION_TIMEOUT_MS", "10000");
            String[] args = {"streams", "--bootstrap-servers", SharedStack.get().bootstrapServers(),
                    "--schema-registry-url", SharedStack.get().registryUrl(),
                    "--application-id", "civicpulse-mobility-crash-" + scenario.city,
                    "--state-dir", stateDir.toString(), "--status-every", "1", "--http-port", "0"};
            try (CliProcess first = CliProcess.start(environment, args)) {
                first.awaitOutput("Indicator engine RUNNING", Duration.ofSeconds(90));
                scenario.startCity();
                // Killed once finals of both families are out and its stores hold trips, runs and levels in flight:
                // 50 simulated minutes in, later if the engine is still reading the shared broker's earlier tests
                // (a loaded CI run had no station-availability final by then), but with 25 minutes left to run.
                scenario.runUntil(scenario.start.plus(Duration.ofMinutes(50)), finals);
                boolean bothFamilies = scenario.runUntilFinals(
                        keys -> keys.stream().anyMatch(k -> k.startsWith(MobilityScenario.ON_TIME))
                                && keys.stream().anyMatch(k -> k.startsWith(MobilityScenario.STATION_AVAILABILITY)),
                        scenario.end.minus(Duration.ofMinutes(25)), finals);
                assertThat(bothFamilies).as("on-time and station-availability finals before the crash, finals: %s",
                        scenario.finals.keySet().stream().map(k -> k.substring(0, k.indexOf('|'))).distinct()
                                .toList()).isTrue();
                first.process().destroyForcibly();
                assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).as("killed").isTrue();
            }
            System.out.println("mobility crash: engine killed at simulated " + scenario.simulatedNow());
            // Ingest goes on polling the city while the engine is down; the second engine catches up.
            try (CliProcess second = CliProcess.start(environment, args)) {
                second.awaitOutput("Indicator engine RUNNING", Duration.ofSeconds(90));
                System.out.println("mobility crash: engine running again at simulated " + scenario.simulatedNow());
                scenario.runUntil(scenario.end, finals);
                scenario.awaitEngineAt(scenario.end.minus(Duration.ofMinutes(5)), finals, Duration.ofSeconds(150));
                scenario.stopIngest();
                scenario.computeExpected();
                scenario.awaitExpectedFinals(finals, Duration.ofSeconds(60), second::output);
                compared = scenario.assertFinalsMatch();
                assertThat(scenario.unexpectedFinalsInCheckedWindows()).as("finals with no data behind them").isEmpty();
                second.process().destroy();
                assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
            }
        }
        System.out.println("mobility crash: finals compared " + compared + " in "
                + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");
        for (String indicator : MobilityScenario.INDICATORS) {
            assertThat(compared.getOrDefault(indicator, 0)).as("finals of " + indicator + " compared")
                    .isGreaterThanOrEqualTo(MobilityIndicatorsEndToEndIT.MINIMUM_PER_INDICATOR);
        }
    }
}
