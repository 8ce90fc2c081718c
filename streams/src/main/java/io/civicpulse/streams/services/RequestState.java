package io.civicpulse.streams.services;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * What one Open311 request was last counted as in gov.open-requests: open or not, in which service and district,
 * by which version ({@code updatedAt}) of the request, and when that version arrived (for the retention of closed
 * requests).
 *
 * @param district null when ingest placed the request in no district
 */
record RequestState(boolean open, long versionMs, long seenAtMs, String serviceCode, String district) {

    private static final byte FORMAT_VERSION = 1;

    static Serde<RequestState> serde() {
        return StateSerdes.of("request state", RequestState::writeTo, RequestState::readFrom);
    }

    private static void writeTo(RequestState state, DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeBoolean(state.open);
        out.writeLong(state.versionMs);
        out.writeLong(state.seenAtMs);
        out.writeUTF(state.serviceCode);
        out.writeBoolean(state.district != null);
        if (state.district != null) {
            out.writeUTF(state.district);
        }
    }

    private static RequestState readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "request state");
        boolean open = in.readBoolean();
        long versionMs = in.readLong();
        long seenAtMs = in.readLong();
        String serviceCode = in.readUTF();
        String district = in.readBoolean() ? in.readUTF() : null;
        return new RequestState(open, versionMs, seenAtMs, serviceCode, district);
    }
}
