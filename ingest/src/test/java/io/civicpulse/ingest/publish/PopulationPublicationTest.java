package io.civicpulse.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.PopulationFigures;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

class PopulationPublicationTest {

    private static final CityConfig SOFIA = CityConfig.of("sofia", ZoneId.of("Europe/Sofia")).withPopulation(
            new PopulationFigures(LocalDate.of(2021, 9, 7), "NSI", Map.of("city", 1_286_383L,
                    "district:sredets", 31_000L)));

    /** Acknowledges, or fails every send while {@code down}. */
    private static final class Broker implements Publisher {
        final List<String> sent = new ArrayList<>();
        boolean down;

        @Override
        public <V extends SpecificRecord> CompletableFuture<Void> send(Topic<String, V> topic, String key, V value) {
            if (down) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker unreachable"));
            }
            assertThat(topic).isEqualTo(Topics.POPULATION);
            sent.add(key + "=" + ((AreaPopulation) value).getPopulation());
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void publishesEveryAreaOnceAcknowledgedAndNothingAfterwards() throws Exception {
        Broker broker = new Broker();
        PopulationPublication publication = new PopulationPublication(SOFIA, broker);

        assertThat(publication.run()).isTrue();
        assertThat(publication.run()).as("later polls are idle").isTrue();

        assertThat(broker.sent).containsExactly("sofia/city=1286383", "sofia/district:sredets=31000");
        assertThat(publication.acknowledged()).isTrue();
    }

    @Test
    void aFailedSendIsRetriedByTheNextPoll() throws Exception {
        Broker broker = new Broker();
        broker.down = true;
        PopulationPublication publication = new PopulationPublication(SOFIA, broker);

        assertThat(publication.run()).as("backs off").isFalse();
        assertThat(publication.acknowledged()).isFalse();
        broker.down = false;
        assertThat(publication.run()).isTrue();

        assertThat(broker.sent).containsExactly("sofia/city=1286383", "sofia/district:sredets=31000");
    }

    @Test
    void aCityWithoutFiguresPublishesNothing() throws Exception {
        Broker broker = new Broker();
        assertThat(new PopulationPublication(CityConfig.of("granada", ZoneId.of("Europe/Madrid")), broker).run())
                .isTrue();
        assertThat(broker.sent).isEmpty();
    }
}
