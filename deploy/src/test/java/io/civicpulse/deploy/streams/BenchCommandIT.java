package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.CliProcess;
import io.civicpulse.deploy.testing.SharedStack;

/**
 * {@code civicpulse bench} with a tiny input on the shared broker completes and prints both topologies' throughput
 * and their ratio. The figures themselves are not judged: a test machine's timing says nothing.
 */
class BenchCommandIT {

    @Test
    void tinyBenchmarkPrintsBothThroughputsAndTheRatio() throws Exception {
        try (CliProcess bench = CliProcess.start(Map.of(), "bench", "--events", "3000", "--simulated-hours", "2",
                "--rounds", "1", "--bootstrap-servers", SharedStack.get().bootstrapServers(),
                "--schema-registry-url", SharedStack.get().registryUrl())) {
            assertThat(bench.process().waitFor(5, TimeUnit.MINUTES)).as("bench finished").isTrue();
            String output = bench.output();
            assertThat(bench.process().exitValue()).as(output).isZero();
            assertThat(output).containsPattern("ok  3,000 events \\{");
            assertThat(output).containsPattern("indicator topology +[\\d,]+ events in [\\d.]+ s: [\\d,]+ events/s");
            assertThat(output).as("what the indicator run wrote")
                    .containsPattern("indicator topology .*; wrote .*civicpulse\\.indicators\\.v1 [\\d,]+");
            assertThat(output).containsPattern("one-count topology +[\\d,]+ events in [\\d.]+ s: [\\d,]+ events/s");
            assertThat(output).containsPattern("ratio indicator/one-count: \\d+\\.\\d% \\(target >= 60%\\)");
        }
    }
}
