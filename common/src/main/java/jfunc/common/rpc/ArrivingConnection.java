package jfunc.common.rpc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A new connection until its first TLS record (the ClientHello) is complete. The listener reads
 * it here without blocking, so a peer that sends a byte and stops holds no thread.
 */
final class ArrivingConnection {
    private static final int HEADER = 5;
    /** TLS 1.3's limit on a record's length (2^14 plus expansion). */
    private static final int MAX_RECORD = 18_432;
    private static final byte HANDSHAKE = 0x16;

    final SocketChannel channel;
    final long acceptedAt;
    private ByteBuffer record = ByteBuffer.allocate(HEADER); // the record header first

    ArrivingConnection(SocketChannel channel, long acceptedAt) {
        this.channel = channel;
        this.acceptedAt = acceptedAt;
    }

    /** Reads what has arrived; true once the whole first record is here. */
    boolean readFirstRecord() throws IOException {
        if (channel.read(record) < 0) {
            throw new EOFException("closed before its TLS ClientHello");
        }
        if (record.capacity() == HEADER && !record.hasRemaining()) {
            int length = (record.get(3) & 0xff) << 8 | record.get(4) & 0xff;
            if (record.get(0) != HANDSHAKE || length == 0 || length > MAX_RECORD) {
                throw new IOException("not a TLS handshake (plain HTTP to the TLS port?)");
            }
            ByteBuffer whole = ByteBuffer.allocate(HEADER + length);
            whole.put(record.flip());
            record = whole;
            if (channel.read(record) < 0) {
                throw new EOFException("closed in its TLS ClientHello");
            }
        }
        return record.capacity() > HEADER && !record.hasRemaining();
    }

    /** The whole first record, once {@link #readFirstRecord()} said it is here. */
    byte[] firstRecord() {
        return record.array();
    }
}
