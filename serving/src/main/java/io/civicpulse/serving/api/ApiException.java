package io.civicpulse.serving.api;

/** An answer other than 200, with the code and one-line message of docs/api.md's error body. */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad.request", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not.found", message);
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }
}
