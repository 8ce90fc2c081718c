package io.civicpulse.deploy.topics;

import java.util.Collection;

import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topic;

/**
 * Registers every topic's value schema under its {@code <topic>-value} subject before any producer runs, so
 * that dashboards and tools in other languages find the contracts in the registry from the first minute, and so
 * that an incompatible change to a contract fails at start-up with the registry's reason rather than at the first
 * record.
 */
public final class SchemaProvisioner {

    private final SchemaRegistryClient registry;

    public SchemaProvisioner(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    /** Returns how many subjects were registered or confirmed. */
    public int provision(Collection<Topic<?, ?>> topics) {
        int count = 0;
        for (Topic<?, ?> topic : topics) {
            if (topic.valueSchema() != null) {
                registry.register(topic.valueSubject(), topic.valueSchema());
                count++;
            }
        }
        return count;
    }
}
