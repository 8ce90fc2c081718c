package io.civicpulse.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void clearAndHashedKeysAuthenticateByName() {
        ApiKeys keys = ApiKeys.parse("portal=alpha, payments=" + ApiKeys.hashedForm("beta"));
        assertThat(keys.authenticate("alpha")).contains("portal");
        assertThat(keys.authenticate("beta")).contains("payments");
        assertThat(keys.authenticate("gamma")).isEmpty();
        assertThat(keys.authenticate("")).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
    }

    @Test
    void unnamedKeysAreNumbered() {
        assertThat(ApiKeys.parse("a,b").authenticate("b")).contains("key-2");
    }

    @Test
    void malformedHashIsRefusedAtStartUp() {
        assertThatThrownBy(() -> ApiKeys.parse("sha256:abc")).hasMessageContaining("64 hex digits");
    }

    @Test
    void hashedFormNeverContainsTheClearKey() {
        assertThat(ApiKeys.hashedForm("alpha")).startsWith("sha256:").doesNotContain("alpha").hasSize(7 + 64);
    }
}
