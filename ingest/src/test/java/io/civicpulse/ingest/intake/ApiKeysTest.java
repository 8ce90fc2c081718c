package io.civicpulse.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiKeysTest {

    private static final String ALPHA = "alpha-key-0123456789";
    private static final String BETA = "beta-key-0123456789";

    @Test
    void clearAndHashedKeysAuthenticateByName() {
        ApiKeys keys = ApiKeys.parse("portal:" + ALPHA + ", payments:" + ApiKeys.hashedForm(BETA));
        assertThat(keys.authenticate(ALPHA)).contains("portal");
        assertThat(keys.authenticate(BETA)).contains("payments");
        assertThat(keys.authenticate("gamma-key-0123456789")).isEmpty();
        assertThat(keys.authenticate("")).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
    }

    @Test
    void unnamedBase64KeyWithPaddingIsTheWholeKeyNotANameAndAKey() {
        ApiKeys keys = ApiKeys.parse("q83vEjRWeJq83vEjRWeJ==");
        assertThat(keys.authenticate("q83vEjRWeJq83vEjRWeJ==")).contains("key-1");
        assertThat(keys.authenticate("=")).isEmpty();
        assertThat(keys.authenticate("==")).isEmpty();
    }

    @Test
    void namedKeyMayContainEqualsAndColons() {
        ApiKeys keys = ApiKeys.parse("portal:abc=def:ghi=0123456789==");
        assertThat(keys.authenticate("abc=def:ghi=0123456789==")).contains("portal");
    }

    @Test
    void oldNameEqualsHashFormIsStillRead() {
        ApiKeys keys = ApiKeys.parse("portal=" + ApiKeys.hashedForm(ALPHA));
        assertThat(keys.authenticate(ALPHA)).contains("portal");
    }

    @Test
    void oldNameEqualsClearKeyFormIsRefusedAsAmbiguous() {
        assertThatThrownBy(() -> ApiKeys.parse("portal=" + ALPHA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name:key")
                .hasMessageNotContaining(ALPHA);
    }

    @Test
    void keyShorterThanSixteenCharactersIsRefusedAtStartUpWithoutQuotingIt() {
        assertThatThrownBy(() -> ApiKeys.parse("portal:short-secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> ApiKeys.parse("q83vEjRWeJ==")).hasMessageContaining("16");
    }

    @Test
    void presentedKeyShorterThanTheMinimumNeverAuthenticatesEvenAgainstAHash() {
        ApiKeys keys = ApiKeys.parse("old:" + ApiKeys.hashedForm("="));
        assertThat(keys.authenticate("=")).isEmpty();
    }

    @Test
    void nameMustBeAPlainIdentifier() {
        assertThatThrownBy(() -> ApiKeys.parse("my portal:" + ALPHA)).hasMessageContaining("name");
    }

    @Test
    void unnamedKeysAreNumberedAndTheNameNeverHoldsPartOfTheKey() {
        ApiKeys keys = ApiKeys.parse(ALPHA + "," + ApiKeys.hashedForm(BETA));
        assertThat(keys.authenticate(BETA)).contains("key-2");
        assertThat(keys.authenticate(ALPHA)).contains("key-1");
    }

    @Test
    void malformedHashIsRefusedAtStartUp() {
        assertThatThrownBy(() -> ApiKeys.parse("sha256:abc")).hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> ApiKeys.parse("portal:sha256:abc")).hasMessageContaining("64 hex digits");
    }

    @Test
    void hashedFormNeverContainsTheClearKey() {
        assertThat(ApiKeys.hashedForm(ALPHA)).startsWith("sha256:").doesNotContain(ALPHA).hasSize(7 + 64);
    }
}
