package io.civicpulse.streams.maturity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.config.EngineConfig;

class MaturityConfigTest {

    private static final String MINIMAL = """
            version = test-1
            windows = PT1H
            dimension.services.name = Services
            dimension.services.weight = 1
            indicator.gov.e-payment-share.dimension = services
            indicator.gov.e-payment-share.unit = %
            indicator.gov.e-payment-share.direction = higher
            indicator.gov.e-payment-share.floor = 20
            indicator.gov.e-payment-share.target = 90
            """;

    private static MaturityConfig parse(String text) {
        return MaturityConfig.parse(new StringReader(text), "test.properties");
    }

    @Test
    void shippedDefaultScoresEveryComputedIndicatorButTheAbsoluteOpenRequestCount() {
        MaturityConfig config = MaturityConfig.defaults();

        List<String> scored = config.dimensions().stream()
                .flatMap(d -> d.indicators().stream()).map(MaturityConfig.ScoredIndicator::indicatorId).toList();
        List<String> computed = IndicatorCatalogue.computed().stream().map(d -> d.id()).toList();
        assertThat(scored).doesNotHaveDuplicates().doesNotContain("gov.open-requests");
        assertThat(computed).containsAll(scored);
        assertThat(scored).hasSize(computed.size() - 1);
        assertThat(config.scoredWindow()).isEqualTo("PT24H");
        // Every indicator has a name a person can read on the dashboard.
        assertThat(computed).allSatisfy(id -> assertThat(config.nameOf(id)).isNotEqualTo(id));
    }

    @Test
    void shippedDefaultWaitsForTheLongestSettlingIndicator() {
        assertThat(MaturityConfig.defaults().longestSettle())
                .isEqualTo(IndicatorCatalogue.PT_TRIPS_SERVED.settle());
    }

    @Test
    void shippedDefaultFitsTheEngineWindows() {
        MaturityConfig.defaults().requireWindowsAmong(EngineConfig.defaultConfig().windows());
    }

    @Test
    void aWindowTheEngineDoesNotComputeIsRefused() {
        MaturityConfig config = parse(MINIMAL.replace("windows = PT1H", "windows = PT2H"));

        assertThatThrownBy(() -> config.requireWindowsAmong(EngineConfig.defaultConfig().windows()))
                .isInstanceOf(MaturityConfigException.class).hasMessageContaining("PT2H");
    }

    @Test
    void indicatorWeightDefaultsToOne() {
        assertThat(parse(MINIMAL).scored("gov.e-payment-share").orElseThrow().weight()).isEqualTo(1);
    }

    @Test
    void aUnitOtherThanTheCataloguesIsRefusedWithItsLine() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("unit = %", "unit = h")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(6);
                    assertThat(e.getMessage()).startsWith("test.properties:6: ").contains("measured in %");
                });
    }

    @Test
    void aDirectionOtherThanTheCataloguesIsRefusedWithItsLine() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("direction = higher", "direction = lower")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> assertThat(e.line()).isEqualTo(7));
    }

    @Test
    void aTargetOnTheWrongSideOfTheFloorIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("target = 90", "target = 10")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(9);
                    assertThat(e.getMessage()).contains("above its floor");
                });
        assertThatThrownBy(() -> parse(MINIMAL.replace("target = 90", "target = 20")))
                .isInstanceOf(MaturityConfigException.class);
    }

    @Test
    void anUnknownIndicatorIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL + "indicator.pt.teleports.name = Teleports\n"))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(10);
                    assertThat(e.getMessage()).contains("no indicator pt.teleports");
                });
    }

    @Test
    void anUnknownDimensionIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("dimension = services", "dimension = servicez")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(5);
                    assertThat(e.getMessage()).contains("no dimension servicez");
                });
    }

    @Test
    void anUnknownKeyIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL + "dimensions.x = 1\n"))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> assertThat(e.line()).isEqualTo(10));
    }

    @Test
    void aKeySetTwiceIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL + "indicator.gov.e-payment-share.floor = 30\n"))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(10);
                    assertThat(e.getMessage()).contains("first on line 8");
                });
    }

    @Test
    void aValueThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("floor = 20", "floor = twenty")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> assertThat(e.line()).isEqualTo(8));
        assertThatThrownBy(() -> parse(MINIMAL.replace("floor = 20", "floor = NaN")))
                .isInstanceOf(MaturityConfigException.class);
    }

    @Test
    void aZeroWeightIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("dimension.services.weight = 1", "dimension.services.weight = 0")))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> assertThat(e.line()).isEqualTo(4));
    }

    @Test
    void aFileWithoutVersionIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("version = test-1\n", "")))
                .isInstanceOf(MaturityConfigException.class).hasMessageContaining("no version");
    }

    @Test
    void aScoredIndicatorMustStateItsUnitAndDirection() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("indicator.gov.e-payment-share.unit = %\n", "")))
                .isInstanceOf(MaturityConfigException.class).hasMessageContaining("state its unit");
    }

    @Test
    void aDimensionWithoutIndicatorsIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL + "dimension.empty.name = Empty\ndimension.empty.weight = 1\n"))
                .isInstanceOfSatisfying(MaturityConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(10);
                    assertThat(e.getMessage()).contains("has no indicator");
                });
    }

    @Test
    void theSettingNamesAFileAndItsProblemsNameThatFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("city-maturity.properties");
        Files.writeString(file, MINIMAL.replace("version = test-1", "version = sofia-2027"));
        assertThat(MaturityConfig.from(Map.of(MaturityConfig.SETTING, file.toString())).version())
                .isEqualTo("sofia-2027");

        Files.writeString(file, MINIMAL.replace("floor = 20", "floor = x"));
        assertThatThrownBy(() -> MaturityConfig.from(Map.of(MaturityConfig.SETTING, file.toString())))
                .hasMessageStartingWith(file + ":8: ");
        assertThatThrownBy(() -> MaturityConfig.from(Map.of(MaturityConfig.SETTING, dir.resolve("none").toString())))
                .isInstanceOf(MaturityConfigException.class).hasMessageContaining("cannot be read");
    }
}
