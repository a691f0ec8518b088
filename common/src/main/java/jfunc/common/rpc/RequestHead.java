package jfunc.common.rpc;

import java.io.IOException;
import java.util.Locale;

/**
 * What the server needs from a request's head, and how one is read: HTTP/1.1 (RFC 9112),
 * strictly where two parsers could disagree on where a request ends. {@code contentLength} is
 * -1 when absent.
 */
record RequestHead(String method, String target, long contentLength, boolean chunked, boolean keepAlive,
                   boolean expectContinue) {
    /** Request line plus headers; more is refused (a call's head is about 150 bytes). */
    static final int MAX_BYTES = 16 * 1024;

    /** A request the server refuses with an HTTP status, closing the connection afterwards. */
    static final class BadRequest extends IOException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** The lines of a head, without their line ends; null at EOF before a line if allowed. */
    interface Lines {
        String next(boolean eofAllowed) throws IOException;
    }

    /** Reads a head; null when the peer closed before sending a byte of it. */
    static RequestHead read(Lines lines) throws IOException {
        String requestLine;
        do { // a blank line before the request line is tolerated (RFC 9112, 2.2)
            requestLine = lines.next(true);
            if (requestLine == null) {
                return null;
            }
        } while (requestLine.isEmpty());
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/")) {
            throw new BadRequest(400, "malformed request line");
        }
        if (!"HTTP/1.1".equals(parts[2]) && !"HTTP/1.0".equals(parts[2])) {
            throw new BadRequest(505, "HTTP/1.1 or HTTP/1.0 only, not " + parts[2]);
        }
        boolean http11 = "HTTP/1.1".equals(parts[2]);
        long length = -1;
        boolean chunked = false;
        String connection = "";
        boolean expectContinue = false;
        for (String line; !(line = lines.next(false)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line, colon)) {
                // also a continuation line (leading space) and space before the colon: both are
                // ways to make two parsers disagree on a request (RFC 9112, 5.1 and 5.2)
                throw new BadRequest(400, "malformed header line");
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    long n = parseLength(value);
                    if (length >= 0 && n != length) {
                        throw new BadRequest(400, "conflicting Content-Length headers");
                    }
                    length = n;
                }
                case "transfer-encoding" -> chunked = true;
                case "connection" -> connection = connection + "," + value.toLowerCase(Locale.ROOT);
                case "expect" -> expectContinue = "100-continue".equalsIgnoreCase(value);
                default -> { }
            }
        }
        boolean keepAlive = http11 ? !hasOption(connection, "close") : hasOption(connection, "keep-alive");
        return new RequestHead(parts[0], parts[1], length, chunked, keepAlive, expectContinue);
    }

    /** Whether the header name before {@code end} is an HTTP token (letters, digits and a few marks). */
    private static boolean isToken(String line, int end) {
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a comma-separated Connection value lists {@code option}. */
    private static boolean hasOption(String list, String option) {
        for (String o : list.split(",")) {
            if (o.trim().equals(option)) {
                return true;
            }
        }
        return false;
    }

    private static long parseLength(String value) throws BadRequest {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BadRequest(400, "malformed Content-Length: " + value);
        }
        return Long.parseLong(value);
    }
}
