package io.civicpulse.ingest.gtfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CsvReaderTest {

    private static List<List<String>> rows(String text) throws IOException {
        return rows(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<List<String>> rows(byte[] bytes) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        try (CsvReader csv = new CsvReader(new ByteArrayInputStream(bytes))) {
            int width = csv.header().length;
            while (csv.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    row.add(csv.get(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void quotedFieldsKeepCommasDoubledQuotesAndLineBreaks() throws IOException {
        assertThat(rows("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n")).containsExactly(
                List.of("x, y", "say \"hi\""), List.of("two\nlines", "z"));
    }

    @Test
    void aByteOrderMarkDoesNotBecomePartOfTheFirstColumnName() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "stop_id,stop_name\nA1,One\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, all, 0, bom.length);
        System.arraycopy(body, 0, all, bom.length, body.length);
        try (CsvReader csv = new CsvReader(new ByteArrayInputStream(all))) {
            assertThat(csv.column("stop_id")).isZero();
        }
    }

    @Test
    void crlfLineEndsBlankLinesShortRowsAndAMissingFinalNewlineAreRead() throws IOException {
        assertThat(rows("a,b,c\r\n1,2,3\r\n\r\n4\r\n5,6,7")).containsExactly(
                List.of("1", "2", "3"), List.of("4", "", ""), List.of("5", "6", "7"));
    }

    @Test
    void lineNumbersCountFromTheHeader() throws IOException {
        try (CsvReader csv = new CsvReader(new ByteArrayInputStream("a\n1\n\"x\ny\"\n3\n".getBytes(StandardCharsets.UTF_8)))) {
            csv.next();
            assertThat(csv.lineNumber()).isEqualTo(2);
            csv.next();
            assertThat(csv.lineNumber()).isEqualTo(3);
            csv.next();
            assertThat(csv.lineNumber()).isEqualTo(5);
        }
    }
}
