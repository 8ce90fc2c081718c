package io.civicpulse.deploy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * {@code java -jar civicpulse.jar ...} as a separate process, the way users and operators run it, so tests can
 * signal it (SIGTERM, SIGKILL) and observe what survives. Output goes to a file, which outlives the process's
 * pipes and can be read after it died.
 */
public final class CliProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private CliProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static CliProcess start(Map<String, String> environment, String... args) throws IOException {
        String jar = System.getProperty("civicpulse.jar", "target/civicpulse.jar");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcivicpulse.registry.home=" + SharedStack.registryHome(),
                "-jar", jar));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("civicpulse-cli", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new CliProcess(builder.start(), log);
    }

    public Process process() {
        return process;
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Waits for a line starting with the marker; fails with the output so far if the process exits first. */
    public Duration awaitOutput(String marker, Duration within) throws IOException {
        long t0 = System.nanoTime();
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(50))
                    .until(() -> output().contains(marker) || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("`civicpulse` did not print '" + marker + "' within " + within + "; output:\n"
                    + output(), e);
        }
        if (!output().contains(marker)) {
            throw new AssertionError("`civicpulse` exited with " + process.exitValue() + " before printing '"
                    + marker + "'; output:\n" + output());
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
