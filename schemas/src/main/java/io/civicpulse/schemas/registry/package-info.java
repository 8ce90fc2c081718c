/**
 * A client for any registry that speaks the Confluent Schema Registry REST API (Confluent, Apicurio's
 * {@code /apis/ccompat/v7}, Karapace, Redpanda), and in-memory registries for unit tests selected by
 * {@code schema.registry.url=mock://<scope>} ({@link io.civicpulse.schemas.registry.MockRegistries}).
 *
 * <p>It guarantees that every failure surfaces as a {@link io.civicpulse.schemas.registry.SchemaRegistryException}
 * naming the URL(s) tried, that transient failures (connect errors, timeouts, 5xx, 429) are retried with exponential
 * backoff across all configured URLs while answers the registry meant (4xx) are not, and that an id or a
 * (subject, schema) pair once resolved is served from a bounded cache without touching the network again.
 */
package io.civicpulse.schemas.registry;
