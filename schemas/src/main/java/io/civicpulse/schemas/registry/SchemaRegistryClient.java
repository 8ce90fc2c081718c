package io.civicpulse.schemas.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Talks to any registry that implements the Confluent Schema Registry REST API, on the JDK's own HTTP client so the
 * project needs no Confluent jars. It exists so the serde (and tools) can register and resolve Avro schemas with
 * the failure handling a pipeline needs: bounded caches that keep already-resolved ids working while the registry
 * is down, retries with exponential backoff over several URLs for transient failures only, and errors that say
 * which URL answered what. Instances are thread-safe; share one to share its caches ({@link #shared(Map)}).
 *
 * <p>A {@code schema.registry.url} of {@code mock://<scope>} selects an in-memory registry instead of HTTP, as
 * with Confluent's serde: for unit tests where no registry runs (see {@link MockRegistries}).
 */
public final class SchemaRegistryClient {

    private static final Set<String> COMPATIBILITY_LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE",
            "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

    /**
     * Bound of {@link #shared(Map)}'s clients: a process has a handful of registry configs; the bound only keeps a
     * test JVM that starts many registries on fresh ports from holding a client (and its HTTP threads) for each.
     */
    private static final int MAX_SHARED_CLIENTS = 32;
    private static final Map<Map<String, String>, SchemaRegistryClient> SHARED =
            new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Map<String, String>, SchemaRegistryClient> eldest) {
                    return size() > MAX_SHARED_CLIENTS;
                }
            };

    /**
     * Cache key for "this schema under this subject". Avro's {@code Schema.equals} compares schemas by content
     * (names, types, fields, defaults, logical types, properties; not docs, whitespace or attribute order) and
     * caches its hash, so separately parsed copies of one schema share an entry and a generated class's
     * {@code SCHEMA$} hits on an identity check.
     */
    private record SubjectSchema(String subject, Schema schema) {
    }

    private final RegistryClientConfig config;
    private final RegistryBackend backend;
    private final BoundedCache<Integer, Schema> schemasById;
    private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;

    public SchemaRegistryClient(RegistryClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.backend = config.mockScope() != null ? MockRegistries.registry(config.mockScope())
                : new HttpRegistry(config);
        this.schemasById = new BoundedCache<>(config.cacheCapacity());
        this.idsBySubjectSchema = new BoundedCache<>(config.cacheCapacity());
    }

    /** A client configured from a Kafka-style config map (see {@link RegistryClientConfig} for the keys). */
    public static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        return new SchemaRegistryClient(RegistryClientConfig.fromConfigs(configs));
    }

    /**
     * The one client of this process for the registry settings in {@code configs}, built on first use: serdes
     * configured from equal registry settings then share one cache, so a process with twenty topics fetches each
     * schema once. Only the keys {@link RegistryClientConfig} reads decide what is equal; the rest of a Kafka
     * config (serde settings, bootstrap servers, ...) is ignored.
     */
    public static SchemaRegistryClient shared(Map<String, ?> configs) {
        Map<String, String> key = RegistryClientConfig.identity(configs);
        synchronized (SHARED) {
            SchemaRegistryClient client = SHARED.get(key);
            if (client == null) {
                client = fromConfigs(configs);
                SHARED.put(key, client);
            }
            return client;
        }
    }

    /** Forgets the shared clients of a dropped mock scope, so the next serde sees the scope's fresh registry. */
    static void forgetShared(String mockScope) {
        String url = RegistryClientConfig.MOCK_SCHEME + mockScope;
        synchronized (SHARED) {
            SHARED.keySet().removeIf(key -> url.equals(key.get(RegistryClientConfig.URL)));
        }
    }

    /** The base URLs this client tries, in order, without credentials; {@code mock://<scope>} for a mock scope. */
    public List<String> urls() {
        return config.urls();
    }

    /**
     * Registers the schema under the subject (a no-op on the registry if it is already there) and returns its id.
     *
     * @throws IncompatibleSchemaException if the subject's compatibility rule rejects it (HTTP 409)
     */
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), Objects.requireNonNull(schema, "schema"));
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        int id = backend.register(subject, schema);
        remember(key, id);
        return id;
    }

    /**
     * The id of a schema already registered under the subject, without registering it.
     *
     * @throws SchemaRegistryException with status 404 if the subject or the schema under it is unknown
     */
    public int lookupId(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), Objects.requireNonNull(schema, "schema"));
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        int id = backend.lookupId(subject, schema);
        remember(key, id);
        return id;
    }

    /**
     * The schema with this global id, from the cache when it has been seen before.
     *
     * @throws SchemaRegistryException with status 404 if the registry knows no such id
     */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        Schema schema = backend.schemaById(id);
        schemasById.put(id, schema);
        return schema;
    }

    /** The subject's latest version. Never cached: "latest" changes whenever someone registers. */
    public RegisteredSchema latest(String subject) {
        RegisteredSchema latest = backend.latest(requireSubject(subject));
        remember(new SubjectSchema(subject, latest.schema()), latest.id());
        return latest;
    }

    /** Whether the subject's compatibility rule would accept the schema as its next version. */
    public boolean testCompatibility(String subject, Schema schema) {
        return backend.testCompatibility(requireSubject(subject), Objects.requireNonNull(schema, "schema"));
    }

    /** The registry-wide compatibility level, e.g. {@code BACKWARD} (Confluent's default) or {@code NONE} (Apicurio's). */
    public String compatibility() {
        return backend.compatibility();
    }

    /** The subject's compatibility level, falling back to the registry-wide one where the registry supports that. */
    public String compatibility(String subject) {
        return backend.compatibility(requireSubject(subject));
    }

    /** Sets the registry-wide compatibility level and returns the level the registry confirms. */
    public String setCompatibility(String level) {
        return backend.setCompatibility(requireLevel(level));
    }

    /** Sets the subject's compatibility level and returns the level the registry confirms. */
    public String setCompatibility(String subject, String level) {
        return backend.setCompatibility(requireSubject(subject), requireLevel(level));
    }

    /** All subjects the registry holds. */
    public List<String> subjects() {
        return backend.subjects();
    }

    private void remember(SubjectSchema key, int id) {
        idsBySubjectSchema.put(key, id);
        // The registry gives the same id to the same schema, so the id-to-schema direction comes for free and
        // a consumer in the same process never has to fetch what its producer registered.
        if (schemasById.get(id) == null) {
            schemasById.put(id, key.schema());
        }
    }

    private static String requireLevel(String level) {
        String normalized = Objects.requireNonNull(level, "level").trim().toUpperCase(Locale.ROOT);
        if (!COMPATIBILITY_LEVELS.contains(normalized)) {
            throw new IllegalArgumentException("unknown compatibility level '" + level + "'; expected one of "
                    + COMPATIBILITY_LEVELS.stream().sorted().toList());
        }
        return normalized;
    }

    private static String requireSubject(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject must not be empty");
        }
        return subject;
    }
}
