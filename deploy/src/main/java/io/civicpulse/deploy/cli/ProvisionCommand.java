package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.civicpulse.deploy.topics.SchemaProvisioner;
import io.civicpulse.deploy.topics.TopicProvisioner;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse provision}: creates every declared topic and registers every value schema on a real cluster,
 * then exits. What {@code civicpulse local} does for its embedded stack, for a compose file, a Kubernetes Job or an
 * operator's shell. Running it again changes nothing.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = {"Creates every Civic Pulse topic (partitions, cleanup policy, retention, replication and"
                + " min.insync.replicas) and registers every value schema, then exits. Idempotent: existing topics"
                + " keep their data; a differing configuration is reported, never rewritten."})
final class ProvisionCommand implements Callable<Integer> {

    static final String DONE_MARKER = "Provisioned ";

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--replication-factor", defaultValue = "3",
            description = "Replicas of new topics, capped at the brokers present (default ${DEFAULT-VALUE}).")
    int replicationFactor;

    @Option(names = "--min-insync-replicas", defaultValue = "2",
            description = "min.insync.replicas of new topics, capped at their replication (default ${DEFAULT-VALUE};"
                    + " 0 keeps the broker's default).")
    int minInsyncReplicas;

    @Option(names = "--broker-wait", defaultValue = "120", paramLabel = "SECONDS",
            description = "How long to wait for --replication-factor brokers to join before creating topics with"
                    + " fewer replicas (default ${DEFAULT-VALUE}).")
    int brokerWaitSeconds;

    @Option(names = "--skip-topics", description = "Register the schemas only (where an operator, such as"
            + " Strimzi's KafkaTopic resources, owns the topics).")
    boolean skipTopics;

    @Option(names = "--compatibility", paramLabel = "LEVEL",
            description = "Also set the registry's global compatibility level (BACKWARD, FULL, ...; default: leave it).")
    String compatibility;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> settings = kafkaOptions.settings(spec);
        if (!skipTopics) {
            try (Admin admin = Admin.create(adminConfig(settings))) {
                awaitBrokers(admin, out);
                List<TopicProvisioner.Outcome> outcomes = new TopicProvisioner(admin)
                        .provision(Topics.ALL, replicationFactor, minInsyncReplicas);
                outcomes.stream().filter(o -> o.action() != TopicProvisioner.Action.UNCHANGED)
                        .forEach(o -> out.println("  " + o.topic() + ": " + o.action() + " (" + o.detail() + ")"));
                out.println(DONE_MARKER + Topics.ALL.size() + " topics: " + summary(outcomes));
                out.flush();
            }
        }
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(settings);
        if (compatibility != null) {
            out.println("Registry compatibility: " + registry.setCompatibility(compatibility));
        }
        int subjects = new SchemaProvisioner(registry).provision(Topics.ALL);
        out.println(DONE_MARKER + subjects + " value schemas");
        out.flush();
        return 0;
    }

    /** The admin client's own settings only (security included), so that serde and civicpulse keys cause no warnings. */
    static Map<String, Object> adminConfig(Map<String, Object> settings) {
        Set<String> known = AdminClientConfig.configNames();
        Map<String, Object> admin = new HashMap<>();
        settings.forEach((key, value) -> {
            if (known.contains(key)) {
                admin.put(key, value);
            }
        });
        return admin;
    }

    /** In a fresh cluster brokers register one by one; topics created before the last would get fewer replicas. */
    private void awaitBrokers(Admin admin, PrintWriter out) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(brokerWaitSeconds);
        int brokers = admin.describeCluster().nodes().get().size();
        while (brokers < replicationFactor && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            brokers = admin.describeCluster().nodes().get().size();
        }
        if (brokers < replicationFactor) {
            out.println("Only " + brokers + " broker(s) for replication factor " + replicationFactor
                    + ": new topics get " + brokers + " replica(s)");
        }
    }

    static String summary(List<TopicProvisioner.Outcome> outcomes) {
        Map<TopicProvisioner.Action, Integer> counts = new EnumMap<>(TopicProvisioner.Action.class);
        outcomes.forEach(o -> counts.merge(o.action(), 1, Integer::sum));
        StringBuilder line = new StringBuilder();
        counts.forEach((action, count) -> line.append(line.isEmpty() ? "" : ", ").append(count).append(' ')
                .append(action.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')));
        return line.toString();
    }
}
