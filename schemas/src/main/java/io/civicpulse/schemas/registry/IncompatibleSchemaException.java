package io.civicpulse.schemas.registry;

/**
 * The registry refused to register a schema because it breaks the subject's compatibility rule (HTTP 409). It is
 * its own type because it is the one registry error a producer's author must act on by changing the schema,
 * not by retrying or fixing configuration.
 */
public class IncompatibleSchemaException extends SchemaRegistryException {

    private static final long serialVersionUID = 1L;

    private final String subject;

    IncompatibleSchemaException(String subject, String request, int status, int errorCode, String registryMessage,
            String url) {
        super("schema is incompatible with subject '" + subject + "': "
                        + (registryMessage == null ? "(the registry gave no reason)" : registryMessage)
                        + " (" + request + " answered HTTP " + status + ")",
                status, errorCode, registryMessage, url, null);
        this.subject = subject;
    }

    /** A refusal by the in-memory registry of a {@code mock://} scope, with the same status and error code. */
    IncompatibleSchemaException(String subject, String registryMessage, String url) {
        super("schema is incompatible with subject '" + subject + "': " + registryMessage
                        + " (refused by the in-memory registry " + url + ")",
                409, 409, registryMessage, url, null);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
