package io.civicpulse.deploy.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/** The README's topic table is what users read; it must say exactly what the code declares. */
class ReadmeTopicsTableTest {

    private static final String START = "<!-- topics-table:start (checked against Topics.ALL by ReadmeTopicsTableTest) -->";
    private static final String END = "<!-- topics-table:end -->";

    @Test
    void readmeTopicTableMatchesTheDeclarations() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        assertThat(start).as("README has the topic table markers").isNotNegative();
        String table = readme.substring(start + START.length(), end).strip();

        assertThat(table).as("README topic table; regenerate it with the expected text").isEqualTo(expectedTable());
    }

    static String expectedTable() {
        return "| topic | key | value schema | partitions | cleanup | retention |\n|---|---|---|---|---|---|\n"
                + Topics.ALL.stream().map(ReadmeTopicsTableTest::row).collect(Collectors.joining("\n"));
    }

    private static String row(Topic<?, ?> t) {
        String retention = t.retention() == null ? "forever" : t.retention().toDays() + " d";
        return "| `" + t.name() + "` | `" + t.keyFormat() + "` | `" + t.valueType().getSimpleName() + "` | "
                + t.partitions() + " | " + t.cleanup().name().toLowerCase(java.util.Locale.ROOT) + " | "
                + retention + " |";
    }
}
