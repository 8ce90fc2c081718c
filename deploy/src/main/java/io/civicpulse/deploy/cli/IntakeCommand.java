package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.civicpulse.ingest.intake.ApiKeys;
import io.civicpulse.ingest.intake.IntakeMetrics;
import io.civicpulse.ingest.intake.IntakeServer;
import io.civicpulse.ingest.intake.KafkaEventSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code civicpulse intake}: the authenticated HTTP intake for e-service events, against any Kafka and registry. */
@Command(name = "intake", mixinStandardHelpOptions = true,
        description = {"Serves POST /v1/events for e-service sessions, payments, open-data access and catalogue"
                + " changes, publishing them to Kafka; answers 202 only once Kafka has acknowledged them.",
                "API keys come from CIVICPULSE_INTAKE_API_KEYS (comma-separated name:sha256:<hex> or name:<clear key of"
                        + " at least 16 characters>; the name is optional) or civicpulse.intake.api.keys in --config."})
final class IntakeCommand implements Callable<Integer> {

    static final String READY_MARKER = "Intake listening on ";

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}: loopback only).")
    String host;

    @Option(names = "--port", defaultValue = "8088", description = "Port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-body-bytes", defaultValue = "5242880", description = "Larger bodies get 413 (default ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--rate", defaultValue = "20", description = "Requests per second per API key before 429 (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--read-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A connection that has not sent its whole request by then is closed (default ${DEFAULT-VALUE}).")
    int readTimeoutSeconds;

    @Option(names = "--request-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "One deadline for a whole request; a batch Kafka has not acknowledged by then gets 503 with"
                    + " Retry-After (default ${DEFAULT-VALUE}).")
    int requestTimeoutSeconds;

    @Option(names = "--max-connections-per-client", defaultValue = "8",
            description = "Requests in progress per client address before 429 (default ${DEFAULT-VALUE}).")
    int maxConnectionsPerClient;

    @Option(names = "--auth-failures-per-minute", defaultValue = "10",
            description = "Failed authentications per client address per minute before its requests get 429"
                    + " (default ${DEFAULT-VALUE}).")
    int authFailuresPerMinute;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> settings = kafkaOptions.settings(spec);
        ApiKeys keys = ApiKeys.parse((String) settings.get("civicpulse.intake.api.keys"));
        IntakeServer.Settings defaults = IntakeServer.Settings.defaults();
        IntakeServer.Settings serverSettings = defaults.withHost(host).withPort(port).withMaxBodyBytes(maxBodyBytes)
                .withRate(rate, Math.max(1, (int) Math.ceil(rate * 2)))
                .withTimeouts(Duration.ofSeconds(readTimeoutSeconds), Duration.ofSeconds(requestTimeoutSeconds))
                .withConnectionLimits(defaults.threads(), defaults.maxConnections(), maxConnectionsPerClient)
                .withAuthFailuresPerMinute(authFailuresPerMinute);

        KafkaEventSink sink = new KafkaEventSink(ClientSettings.clientOnly(settings), Clock.systemUTC(),
                "http://" + host + ":" + port + "/v1/events");
        IntakeServer server = new IntakeServer(serverSettings, keys, sink, new IntakeMetrics(), Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            sink.close();
            stopped.countDown();
        }, "intake-shutdown"));
        server.start();
        out.println(READY_MARKER + server.url() + "/v1/events (" + keys.size() + " API key"
                + (keys.size() == 1 ? "" : "s") + "; OpenAPI at " + server.url() + "/v1/openapi.json)");
        out.flush();
        StatusLine.every(Duration.ofSeconds(10), out, () -> "intake: " + server.metrics().snapshot(), stopped);
        return 0;
    }
}
