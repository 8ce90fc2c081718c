package io.civicpulse.streams.services;

import io.civicpulse.schemas.common.ServiceChannel;

/** Which channels count as digital, as ServiceChannel.avsc defines them. */
final class ServiceChannels {

    private ServiceChannels() {
    }

    static boolean isDigital(ServiceChannel channel) {
        return switch (channel) {
            case WEB, APP, API -> true;
            case COUNTER, PHONE, MAIL, UNKNOWN -> false;
        };
    }
}
