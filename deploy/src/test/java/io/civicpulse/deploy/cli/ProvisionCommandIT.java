package io.civicpulse.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import picocli.CommandLine;

/**
 * {@code civicpulse provision} against the shared broker and registry, as the compose file's one-shot step runs it:
 * every topic and subject is there afterwards, and a second run (a restarted compose project) changes nothing.
 */
class ProvisionCommandIT {

    @Test
    void provisionsEveryTopicAndSchemaAndASecondRunChangesNothing() throws Exception {
        String first = run();
        String second = run();

        try (Admin admin = Admin.create(SharedStack.clientConfig())) {
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).containsAll(Topics.ALL.stream().map(Topic::name).toList());
        }
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(SharedStack.clientConfig());
        assertThat(registry.subjects()).containsAll(Topics.ALL.stream().map(Topic::valueSubject).toList());
        assertThat(first).contains("Provisioned " + Topics.ALL.size() + " value schemas");
        // The shared broker is a single node: replication 3 and min.insync 2 are capped to 1, which is what it holds.
        assertThat(second).contains("Provisioned " + Topics.ALL.size() + " topics: " + Topics.ALL.size() + " unchanged");
    }

    private static String run() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new CivicPulseCommand()).setOut(new PrintWriter(out, true));
        int exit = cli.execute("provision", "--bootstrap-servers", SharedStack.get().bootstrapServers(),
                "--schema-registry-url", SharedStack.get().registryUrl(), "--replication-factor", "3",
                "--min-insync-replicas", "2", "--broker-wait", "0");
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }
}
