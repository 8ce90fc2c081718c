package io.civicpulse.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The registry of one {@code mock://} scope, held in memory for unit tests where no registry runs (see
 * {@link MockRegistries}). It keeps a real registry's rules, so a test cannot pass here and fail against one:
 * one global id per distinct schema text (the same schema under two subjects has one id), versions numbered per
 * subject from 1, compatibility levels global and per subject (default BACKWARD, as Confluent's) checked with Avro's
 * own {@link SchemaCompatibility}, and failures with a real registry's HTTP status and Confluent error code.
 * Thread-safe: every operation holds the registry's lock, which a unit test never notices.
 */
final class InMemoryRegistry implements RegistryBackend {

    static final String DEFAULT_COMPATIBILITY = "BACKWARD";

    /** Confluent's error codes, so that callers branching on them behave as against a real registry. */
    static final int SUBJECT_NOT_FOUND = 40401;
    static final int SCHEMA_NOT_FOUND = 40403;

    private record Version(int version, int id, Schema schema) {
    }

    private final String url;
    // Keyed by the schema's JSON text, as a registry compares schemas: two schemas that differ only in a doc are
    // two schemas with two ids, as on Confluent.
    private final Map<String, Integer> idsByText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Version>> versionsBySubject = new TreeMap<>();
    private final Map<String, String> subjectLevels = new HashMap<>();
    private String globalLevel = DEFAULT_COMPATIBILITY;
    private int nextId = 1;

    InMemoryRegistry(String scope) {
        this.url = RegistryClientConfig.MOCK_SCHEME + scope;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Version> versions = versionsBySubject.getOrDefault(subject, List.of());
        String text = schema.toString();
        for (Version v : versions) {
            if (v.schema().toString().equals(text)) {
                return v.id();
            }
        }
        String level = level(subject);
        String violation = violation(subject, level, schema, versions);
        if (violation != null) {
            throw new IncompatibleSchemaException(subject, violation,
                    url + "/subjects/" + subject + "/versions");
        }
        Integer id = idsByText.get(text);
        if (id == null) {
            id = nextId++;
            idsByText.put(text, id);
            schemasById.put(id, schema);
        }
        int version = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
        versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(new Version(version, id, schema));
        return id;
    }

    @Override
    public synchronized int lookupId(String subject, Schema schema) {
        String request = "POST " + url + "/subjects/" + subject;
        String text = schema.toString();
        return versions(subject, request).stream()
                .filter(v -> v.schema().toString().equals(text))
                .findFirst()
                .orElseThrow(() -> notFound(request, SCHEMA_NOT_FOUND, "Schema not found"))
                .id();
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw notFound("GET " + url + "/schemas/ids/" + id, SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Version> versions = versions(subject, "GET " + url + "/subjects/" + subject + "/versions/latest");
        Version latest = versions.get(versions.size() - 1);
        return new RegisteredSchema(subject, latest.id(), latest.version(), latest.schema());
    }

    @Override
    public synchronized boolean testCompatibility(String subject, Schema schema) {
        List<Version> versions = versions(subject,
                "POST " + url + "/compatibility/subjects/" + subject + "/versions/latest");
        return violation(subject, level(subject), schema, versions) == null;
    }

    @Override
    public synchronized String compatibility() {
        return globalLevel;
    }

    @Override
    public synchronized String compatibility(String subject) {
        return level(subject);
    }

    @Override
    public synchronized String setCompatibility(String level) {
        globalLevel = level;
        return level;
    }

    @Override
    public synchronized String setCompatibility(String subject, String level) {
        // As on Confluent, a subject may be configured before its first registration.
        subjectLevels.put(subject, level);
        return level;
    }

    @Override
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    private String level(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private List<Version> versions(String subject, String request) {
        List<Version> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw notFound(request, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    /**
     * Why the level refuses {@code candidate} as the subject's next version, or null if it accepts it. BACKWARD:
     * the new schema reads data written with the old; FORWARD: the old reads the new; FULL: both. Plain levels
     * check the latest version, {@code _TRANSITIVE} ones every version.
     */
    private static String violation(String subject, String level, Schema candidate, List<Version> versions) {
        if (level.equals("NONE") || versions.isEmpty()) {
            return null;
        }
        boolean transitive = level.endsWith("_TRANSITIVE");
        String rule = transitive ? level.substring(0, level.length() - "_TRANSITIVE".length()) : level;
        List<Version> against = transitive ? versions : versions.subList(versions.size() - 1, versions.size());
        List<String> problems = new ArrayList<>();
        for (Version old : against) {
            String which = "version " + old.version() + " (id " + old.id() + ")";
            if (rule.equals("BACKWARD") || rule.equals("FULL")) {
                SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(candidate,
                        old.schema());
                if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    problems.add("the new schema cannot read data written with " + which + ": " + describe(result));
                }
            }
            if (rule.equals("FORWARD") || rule.equals("FULL")) {
                SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(old.schema(),
                        candidate);
                if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    problems.add(which + " cannot read data written with the new schema: " + describe(result));
                }
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        return "Schema being registered is incompatible with an earlier schema for subject '" + subject
                + "' under compatibility level " + level + ": " + String.join("; ", problems);
    }

    private static String describe(SchemaPairCompatibility result) {
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .collect(Collectors.joining(", "));
    }

    private static SchemaRegistryException notFound(String request, int errorCode, String message) {
        String requestUrl = request.substring(request.indexOf(' ') + 1);
        return new SchemaRegistryException(request + " answered HTTP 404 (error_code " + errorCode + "): " + message,
                404, errorCode, message, requestUrl, null);
    }
}
