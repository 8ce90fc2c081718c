package io.civicpulse.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory schema registries selected by {@code schema.registry.url=mock://<scope>}, exactly as with Confluent's
 * serde. They exist for unit tests where no registry runs ({@code TopologyTestDriver} tests and other in-process
 * tests), and are never used against Kafka in production: records written through a mock scope carry ids that
 * only this JVM knows.
 *
 * <p>Guarantees: scopes are isolated from each other; within one JVM the same scope is one registry, so a
 * serializer and a deserializer configured separately with the same {@code mock://} URL see the same ids. Each
 * registry keeps a real registry's rules (see {@link InMemoryRegistry}: ids per distinct schema, versions per
 * subject, compatibility checks, 404 and 409 answers). {@link #drop(String)} forgets a scope, for test isolation.
 */
public final class MockRegistries {

    private static final Map<String, InMemoryRegistry> SCOPES = new ConcurrentHashMap<>();

    private MockRegistries() {
    }

    /** The registry of the scope, created empty on first use. */
    static InMemoryRegistry registry(String scope) {
        return SCOPES.computeIfAbsent(scope, InMemoryRegistry::new);
    }

    /**
     * Forgets the scope's registry and the clients {@link SchemaRegistryClient#shared} holds for it: serdes
     * configured afterwards with {@code mock://<scope>} start from an empty registry. Serdes and clients built
     * before keep the dropped one, so drop before configuring the next test's serdes (e.g. in {@code @AfterEach}).
     */
    public static void drop(String scope) {
        SCOPES.remove(scope);
        SchemaRegistryClient.forgetShared(scope);
    }
}
