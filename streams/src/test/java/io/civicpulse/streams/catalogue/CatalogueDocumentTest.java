package io.civicpulse.streams.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.civicpulse.streams.maturity.MaturityConfig;

/** docs/indicators.md is what the code and the shipped maturity configuration say, word for word. */
class CatalogueDocumentTest {

    /** From the streams module's directory, where Maven runs its tests. */
    private static final Path DOCUMENT = Path.of("..", "docs", "indicators.md");

    @Test
    void theCataloguePageMatchesTheCode() throws Exception {
        String rendered = CatalogueDocument.render(MaturityConfig.defaults());
        if (Boolean.getBoolean("civicpulse.docs.write")) {
            Files.writeString(DOCUMENT, rendered, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(DOCUMENT, StandardCharsets.UTF_8))
                .as("docs/indicators.md is stale: regenerate it with -Dcivicpulse.docs.write=true (see its header)")
                .isEqualTo(rendered);
    }
}
