package jfunc.common.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * The body of an HTTP reply, read from a connection that may carry the next call: each stream
 * ends where the body ends, and closing it leaves the connection open.
 */
final class ReplyBodies {
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,15}");
    private ReplyBodies() {}

    /** A body of {@code length} bytes (Content-Length). */
    static InputStream fixed(InputStream in, long length) {
        return new FixedBody(in, length, false);
    }

    /** A body that ends when the server closes the connection (no length given). */
    static InputStream untilClosed(InputStream in) {
        return new FixedBody(in, Long.MAX_VALUE, true);
    }

    /** A body sent in chunks (Transfer-Encoding: chunked); trailers are skipped. */
    static InputStream chunked(InputStream in) {
        return new ChunkedBody(in);
    }

    /**
     * A reply body that ended early. Not an EOFException: the XML parser takes those for the end
     * of its input and would report only "premature end of file".
     */
    static final class Truncated extends IOException {
        Truncated(String message) {
            super(message);
        }
    }

    /** A body of known length, or one that ends at the close; closing it leaves the connection open. */
    private static final class FixedBody extends InputStream {
        private final InputStream in;
        private final boolean endsAtClose;
        private long left;

        FixedBody(InputStream in, long length, boolean endsAtClose) {
            this.in = in;
            this.left = length;
            this.endsAtClose = endsAtClose;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                return eof();
            }
            left--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n == -1) {
                return eof();
            }
            left -= n;
            return n;
        }

        private int eof() throws IOException {
            if (!endsAtClose) {
                throw new Truncated("the reply ended " + left + " bytes before its Content-Length");
            }
            left = 0;
            return -1;
        }

        @Override
        public void close() {
            // the connection may carry the next call
        }
    }

    /** A chunked body; closing it leaves the connection open. */
    private static final class ChunkedBody extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean crlfDue;
        private boolean done;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        private boolean next() throws IOException {
            if (done) {
                return false;
            }
            if (chunkLeft == 0) {
                if (crlfDue && !line("the CRLF after a chunk's data").isEmpty()) {
                    throw new IOException("a chunk's data in the reply is not followed by CRLF");
                }
                crlfDue = false;
                String size = line("a chunk's size line");
                int semi = size.indexOf(';');
                String hex = (semi >= 0 ? size.substring(0, semi) : size).trim();
                if (!HEX.matcher(hex).matches()) {
                    throw new IOException("bad chunk size in the reply: " + HttpConnection.printable(size));
                }
                chunkLeft = Long.parseLong(hex, 16);
                if (chunkLeft == 0) {
                    while (!line("the reply's trailers").isEmpty()) {
                        // trailers: ignored
                    }
                    done = true;
                    return false;
                }
                crlfDue = true;
            }
            return true;
        }

        /** A line of the chunked framing; its end missing is a Truncated reply (not an EOFException). */
        private String line(String what) throws IOException {
            try {
                return HttpConnection.readLine(in, false);
            } catch (java.io.EOFException e) {
                throw new Truncated("the reply ended in " + what);
            }
        }

        @Override
        public int read() throws IOException {
            if (!next()) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                throw new Truncated("the reply ended inside a chunk");
            }
            chunkLeft--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, chunkLeft));
            if (n == -1) {
                throw new Truncated("the reply ended inside a chunk");
            }
            chunkLeft -= n;
            return n;
        }

        @Override
        public void close() {
            // the connection may carry the next call
        }
    }
}
