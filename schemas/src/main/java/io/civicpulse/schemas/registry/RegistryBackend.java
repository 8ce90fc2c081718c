package io.civicpulse.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * Where a {@link SchemaRegistryClient} sends the calls its caches cannot answer: a registry over HTTP
 * ({@link HttpRegistry}) or the in-memory one of a {@code mock://} scope ({@link InMemoryRegistry}). It exists so
 * that every serde and caller works unchanged against either, with the client's caching and argument checks in
 * one place. Implementations report failures as a real registry does: {@link SchemaRegistryException} with the
 * HTTP status and Confluent error code, {@link IncompatibleSchemaException} for a refused registration. Arguments
 * arrive already checked (non-empty subject, non-null schema, a known upper-case compatibility level).
 */
interface RegistryBackend {

    int register(String subject, Schema schema);

    int lookupId(String subject, Schema schema);

    Schema schemaById(int id);

    RegisteredSchema latest(String subject);

    boolean testCompatibility(String subject, Schema schema);

    String compatibility();

    String compatibility(String subject);

    String setCompatibility(String level);

    String setCompatibility(String subject, String level);

    List<String> subjects();
}
