package io.civicpulse.deploy.topics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.topics.Topics;

/** What a created topic is configured with, without a broker: the part of provisioning that is pure. */
class TopicProvisionerTest {

    @Test
    void minInsyncReplicasIsAddedToTheDeclaredConfiguration() {
        assertThat(TopicProvisioner.desiredConfigs(Topics.INDICATORS, (short) 3, 2))
                .containsEntry("min.insync.replicas", "2")
                .containsAllEntriesOf(Topics.INDICATORS.configs());
    }

    @Test
    void minInsyncReplicasIsCappedAtTheReplicationSoAOneBrokerClusterStillAcceptsAcksAll() {
        // One broker caps the replication at 1; min.insync.replicas=2 would then refuse every acks=all write.
        assertThat(TopicProvisioner.desiredConfigs(Topics.STOPS, (short) 1, 2)).containsEntry("min.insync.replicas", "1");
    }

    @Test
    void zeroLeavesMinInsyncReplicasToTheBroker() {
        assertThat(TopicProvisioner.desiredConfigs(Topics.STOPS, (short) 3, 0)).isEqualTo(Topics.STOPS.configs());
    }
}
