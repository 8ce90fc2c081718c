package io.civicpulse.ingest.gtfs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a GTFS {@code .txt} file (RFC 4180 CSV) one row at a time, so that a million-row {@code stop_times.txt}
 * costs one row of memory: quoted fields with doubled quotes and embedded line breaks, LF or CRLF line ends, a
 * UTF-8 byte-order mark, blank lines, and rows shorter than the header (missing fields read as empty).
 */
final class CsvReader implements Closeable {

    /** The file exceeds a cap of {@link GtfsReader.Limits}: reading it on could exhaust memory or time. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    private final Reader in;
    private final char[] buffer = new char[64 * 1024];
    private int position;
    private int limit;
    private final StringBuilder field = new StringBuilder(64);
    private String[] fields = new String[16];
    private int count;
    private final Map<String, Integer> columns = new HashMap<>();
    private final String[] header;
    private long line;
    private long rowLine;
    private long rows;
    private final String name;
    private final long maxRows;
    private final int maxFieldChars;

    CsvReader(InputStream input) throws IOException {
        this(input, "the file", Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    CsvReader(InputStream input, String name, long maxRows, int maxFieldChars) throws IOException {
        this.name = name;
        this.maxRows = maxRows;
        this.maxFieldChars = maxFieldChars;
        this.in = new InputStreamReader(input, StandardCharsets.UTF_8);
        if (fill() && buffer[0] == '\uFEFF') {
            position = 1;
        }
        if (!readRow()) {
            header = new String[0];
            return;
        }
        header = Arrays.copyOf(fields, count);
        for (int i = 0; i < header.length; i++) {
            // Headers sometimes carry stray spaces ("stop_id, stop_name"); GTFS names never contain any.
            header[i] = header[i].trim();
            columns.putIfAbsent(header[i], i);
        }
    }

    /** The column index of a header name, or -1 when the file does not have it. */
    int column(String name) {
        return columns.getOrDefault(name, -1);
    }

    String[] header() {
        return header.clone();
    }

    /** Advances to the next non-blank row; false at the end of the file. */
    boolean next() throws IOException {
        while (readRow()) {
            if (count > 1 || !fields[0].isEmpty()) {
                if (++rows > maxRows) {
                    throw new TooLarge(name + " has more than " + maxRows + " rows");
                }
                return true;
            }
        }
        return false;
    }

    /** The field at the column of the current row, trimmed; empty when the column is -1 or the row is short. */
    String get(int column) {
        return column < 0 || column >= count ? "" : fields[column].trim();
    }

    /** The line number (1-based) where the current row starts. */
    long lineNumber() {
        return rowLine;
    }

    /** The current row re-encoded as one CSV line, for dead letters. */
    String rawRow() {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                row.append(',');
            }
            String f = fields[i];
            if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                row.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                row.append(f);
            }
        }
        return row.toString();
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        position = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }

    /** -1 at the end of input. */
    private int read() throws IOException {
        if (position >= limit && !fill()) {
            return -1;
        }
        return buffer[position++];
    }

    private int peek() throws IOException {
        if (position >= limit && !fill()) {
            return -1;
        }
        return buffer[position];
    }

    private boolean readRow() throws IOException {
        count = 0;
        field.setLength(0);
        int c = read();
        if (c < 0) {
            return false;
        }
        line++;
        rowLine = line;
        boolean quoted = false;
        boolean wasQuoted = false;
        while (true) {
            if (quoted) {
                if (c < 0) {
                    // An unterminated quote at end of file: keep what was read rather than lose the row.
                    add(field.toString());
                    return true;
                }
                if (c == '"') {
                    if (peek() == '"') {
                        read();
                        field.append('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    append(c);
                }
            } else if (c < 0 || c == '\n') {
                add(field.toString());
                return true;
            } else if (c == '\r') {
                if (peek() == '\n') {
                    read();
                }
                add(field.toString());
                return true;
            } else if (c == ',') {
                add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else {
                append(c);
            }
            c = read();
        }
    }

    private void append(int c) throws TooLarge {
        if (field.length() >= maxFieldChars) {
            throw new TooLarge(name + " line " + rowLine + " has a field longer than " + maxFieldChars
                    + " characters");
        }
        field.append((char) c);
    }

    private void add(String value) {
        if (count == fields.length) {
            fields = Arrays.copyOf(fields, count * 2);
        }
        fields[count++] = value;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
