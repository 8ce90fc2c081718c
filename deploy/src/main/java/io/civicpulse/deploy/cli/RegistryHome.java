package io.civicpulse.deploy.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the unpacked Apicurio Registry is, for the commands that start the embedded stack: the option if given,
 * else {@code CIVICPULSE_REGISTRY_HOME}, else {@code -Dcivicpulse.registry.home}, else {@code apicurio-registry/}
 * next to civicpulse.jar (where the build unpacks it), else the build's own output folder.
 */
final class RegistryHome {

    private RegistryHome() {
    }

    static Path resolve(Path option) {
        if (option != null) {
            return option;
        }
        String fromEnv = System.getenv("CIVICPULSE_REGISTRY_HOME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        String fromProperty = System.getProperty("civicpulse.registry.home");
        if (fromProperty != null) {
            return Path.of(fromProperty);
        }
        return jarDirectory().map(d -> d.resolve("apicurio-registry")).filter(Files::isDirectory)
                .orElse(Path.of("deploy", "target", "apicurio-registry"));
    }

    private static Optional<Path> jarDirectory() {
        try {
            Path location = Path.of(RegistryHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Optional.ofNullable(Files.isRegularFile(location) ? location.getParent() : null);
        } catch (URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }
}
