package io.civicpulse.streams;

import static io.civicpulse.schemas.common.ServiceChannel.APP;
import static io.civicpulse.schemas.common.ServiceChannel.COUNTER;
import static io.civicpulse.schemas.common.ServiceChannel.UNKNOWN;
import static io.civicpulse.schemas.common.ServiceChannel.WEB;
import static io.civicpulse.schemas.services.SessionPhase.ABANDONED;
import static io.civicpulse.schemas.services.SessionPhase.COMPLETED;
import static io.civicpulse.schemas.services.SessionPhase.FAILED;
import static io.civicpulse.schemas.services.SessionPhase.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;

/** The service-usage indicators, each against a hand-computed expectation. */
class ServiceUsageIndicatorsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("usage-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void digitalChannelShareCountsCompletedTransactionsOnWebAppAndApi() {
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, WEB, T.plusSeconds(10)));
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, APP, T.plusSeconds(20)));
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, COUNTER, T.plusSeconds(30)));
        kit.send(kit.session("sofia", "parking-permit", STARTED, WEB, T.plusSeconds(40)));
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, UNKNOWN, T.plusSeconds(50)));
        kit.tick();

        // 2 digital (WEB, APP) of 3 completed on a known channel; STARTED and UNKNOWN are not transactions here.
        IndicatorValue city = kit.lastLive("sofia/gov.digital-channel-share/city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(2);
        assertThat(city.getDenominator()).isEqualTo(3);
        assertThat(city.getKpiValue()).isCloseTo(200.0 / 3, within(1e-9));
        assertThat(city.getSampleCount()).isEqualTo(3);
        assertThat(kit.lastLive("sofia/gov.digital-channel-share/service:parking-permit/PT1H").getKpiValue())
                .isCloseTo(200.0 / 3, within(1e-9));
    }

    @Test
    void eServiceSuccessIsCompletedSessionsOverEndedSessions() {
        kit.send(kit.session("sofia", "birth-certificate", STARTED, WEB, T.plusSeconds(5)));
        kit.send(kit.session("sofia", "birth-certificate", COMPLETED, WEB, T.plusSeconds(10)));
        kit.send(kit.session("sofia", "birth-certificate", FAILED, WEB, T.plusSeconds(20)));
        kit.send(kit.session("sofia", "birth-certificate", ABANDONED, APP, T.plusSeconds(30)));
        kit.send(kit.session("sofia", "birth-certificate", COMPLETED, APP, T.plusSeconds(40)));
        kit.tick();

        IndicatorValue value = kit.lastLive("sofia/gov.e-service-success/service:birth-certificate/PT15M");
        assertThat(value.getNumerator()).isEqualTo(2);
        assertThat(value.getDenominator()).isEqualTo(4);
        assertThat(value.getKpiValue()).isEqualTo(50.0);
    }

    @Test
    void ePaymentShareIsElectronicPaymentsOverAllPayments() {
        kit.send(kit.payment("sofia", "local-tax", true, T.plusSeconds(10)));
        kit.send(kit.payment("sofia", "local-tax", true, T.plusSeconds(20)));
        kit.send(kit.payment("sofia", "local-tax", false, T.plusSeconds(30)));
        kit.send(kit.payment("sofia", null, false, T.plusSeconds(40)));
        kit.tick();

        IndicatorValue service = kit.lastLive("sofia/gov.e-payment-share/service:local-tax/PT15M");
        assertThat(service.getKpiValue()).isCloseTo(200.0 / 3, within(1e-9));
        IndicatorValue city = kit.lastLive("sofia/gov.e-payment-share/city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(2);
        assertThat(city.getDenominator()).isEqualTo(4);
        assertThat(city.getKpiValue()).isEqualTo(50.0);
    }

    @Test
    void onlineServiceAvailabilityIsTheActiveCatalogueAtTheWindowEnd() {
        kit.publish(kit.service("sofia", "parking-permit", true, true), T);
        kit.publish(kit.service("sofia", "local-tax", true, true), T);
        kit.publish(kit.service("sofia", "burial-permit", false, true), T);
        kit.publish(kit.service("sofia", "old-form", true, false), T); // withdrawn: not counted
        kit.publish(kit.service("sofia", "parking-permit", true, true), T.plusSeconds(30)); // unchanged repeat
        kit.tick();
        IndicatorValue before = kit.lastLive("sofia/gov.online-service-availability/city/PT15M");
        assertThat(before.getNumerator()).isEqualTo(2);
        assertThat(before.getDenominator()).isEqualTo(3);
        assertThat(before.getSampleCount()).isEqualTo(3);

        kit.publish(kit.service("sofia", "burial-permit", true, true), T.plusSeconds(120));
        // A new entry 21 minutes in moves stream time far enough to close the window ending at 10:15.
        kit.publish(kit.service("sofia", "market-stall", false, true), T.plusSeconds(21 * 60));

        IndicatorValue atQuarterPast = kit.finalOf("sofia/gov.online-service-availability/city/PT15M", T,
                T.plusSeconds(15 * 60));
        assertThat(atQuarterPast.getKpiValue()).isEqualTo(100.0);
        kit.tick();
        assertThat(kit.lastLive("sofia/gov.online-service-availability/city/PT1H").getKpiValue()).isEqualTo(75.0);
    }

    @Test
    void catalogueChangePushedLateCountsFromWhenItHappened() {
        // The city's e-service events of 10:00 to 10:21 are processed while its system pushes, three hours late, the
        // catalogue changes it made at 10:01 and 10:02: the catalogue stood changed from then, not from 13:00.
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, WEB, T));
        kit.publish(kit.service("sofia", "parking-permit", true, true), T.plusSeconds(60), T.plusSeconds(3 * 3600));
        kit.publish(kit.service("sofia", "burial-permit", false, true), T.plusSeconds(120), T.plusSeconds(3 * 3600));
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, WEB, T.plusSeconds(21 * 60)));

        IndicatorValue firstQuarter = kit.finalOf("sofia/gov.online-service-availability/city/PT15M", T,
                T.plusSeconds(15 * 60));
        assertThat(firstQuarter.getNumerator()).isEqualTo(1);
        assertThat(firstQuarter.getDenominator()).isEqualTo(2);
    }

    @Test
    void catalogueChangeStampedLongBeforeItsPublicationCountsFromADayBefore() {
        // An entry stamped with its service's launch years ago: counted from a day before its publication, so the
        // city's windows do not start years back.
        kit.publish(kit.service("sofia", "parking-permit", true, true), Instant.parse("2019-03-01T00:00:00Z"),
                T.plus(Duration.ofDays(1)));
        kit.send(kit.session("sofia", "parking-permit", COMPLETED, WEB, T.plusSeconds(21 * 60)));

        assertThat(kit.finalOf("sofia/gov.online-service-availability/city/PT15M", T, T.plusSeconds(15 * 60))
                .getKpiValue()).isEqualTo(100.0);
        assertThat(kit.finals("sofia/gov.online-service-availability/city/PT15M")).as("nothing before T")
                .allSatisfy(v -> assertThat(v.getCalculationPeriodFrom()).isAfterOrEqualTo(T));
    }

    @Test
    void catalogueTombstoneRemovesTheService() {
        kit.publish(kit.service("sofia", "parking-permit", true, true), T);
        kit.publish(kit.service("sofia", "burial-permit", false, true), T);
        kit.catalogue.pipeInput("sofia/parking-permit", null, T.plusSeconds(60));
        kit.tick();
        IndicatorValue value = kit.lastLive("sofia/gov.online-service-availability/city/PT15M");
        assertThat(value.getNumerator()).isEqualTo(0);
        assertThat(value.getDenominator()).isEqualTo(1);
        assertThat(value.getKpiValue()).isEqualTo(0.0);
    }

    @Test
    void valuesCarryTheCatalogueDescriptionVersionAndWindow() {
        kit.send(kit.payment("sofia", null, true, T.plusSeconds(10)));
        kit.tick();
        IndicatorValue value = kit.lastLive("sofia/gov.e-payment-share/city/PT1H");
        assertThat(value.getCity()).isEqualTo("sofia");
        assertThat(value.getIndicatorId()).isEqualTo("gov.e-payment-share");
        assertThat(value.getScope()).isEqualTo("city");
        assertThat(value.getWindow()).isEqualTo("PT1H");
        assertThat(value.getUnit()).isEqualTo("%");
        assertThat(value.getDirection()).isEqualTo(IndicatorDirection.HIGHER_IS_BETTER);
        assertThat(value.getCatalogueVersion()).isEqualTo(IndicatorCatalogue.VERSION);
        assertThat(value.getCalculationFrequency()).isEqualTo("PT1S");
        assertThat(value.getFinal$()).isFalse();
        // The live hour ends with the pane holding stream time (10:00:10 -> 10:01).
        assertThat(value.getCalculationPeriodTo()).isEqualTo(T.plusSeconds(60));
        assertThat(value.getCalculationPeriodFrom()).isEqualTo(T.plusSeconds(60).minusSeconds(3600));
    }
}
