package jfunc.common.job;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import jfunc.common.WireValues;

/**
 * The one encoding of job records on disk, used by the minion's status file and the overlord's
 * job store: each store writes its own fields, in its own versioned layout, with these pieces.
 *
 * <pre>
 * varint: 7 bits a byte, low first         str: varint length + UTF-8      str?: u8 0 (null) | u8 1 + str
 * value:  'N' | 'I' zigzag varint | 'T' | 'F' | 'D' 8 bytes | 'S' str | 'B' varint + bytes
 *         | 'M' varint count + (str key, value)* | 'A' varint count + value* | 't' zigzag varint epoch ms
 * </pre>
 * Values are what XML-RPC carries (see {@link WireValues}); {@code 't'} (a date) only appears in
 * what the overlord keeps of a minion's answer.
 */
public final class RecordBytes {
    /** Deepest nesting of structs and arrays in one value, written or read. */
    public static final int MAX_DEPTH = 200;

    private RecordBytes() {}

    /** The encoded size of a wire value, to bound what a job may store. */
    public static int sizeOf(Object wireValue) {
        Writer out = new Writer();
        out.value(wireValue);
        return out.size();
    }

    /** Builds one record. Throws {@link IllegalArgumentException} for a value too deep to keep. */
    public static final class Writer {
        private final Bytes bytes = new Bytes();

        public Writer u8(int v) {
            bytes.write(v);
            return this;
        }

        public Writer varlong(long v) {
            while ((v & ~0x7FL) != 0) {
                bytes.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            bytes.write((int) v);
            return this;
        }

        public Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varlong(b.length);
            bytes.write(b, 0, b.length);
            return this;
        }

        public Writer optStr(String s) {
            return s == null ? u8(0) : u8(1).str(s);
        }

        public Writer value(Object v) {
            value(v, 0);
            return this;
        }

        public int size() {
            return bytes.size();
        }

        public byte[] toByteArray() {
            return bytes.toByteArray();
        }

        private void value(Object v, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH);
            }
            if (v == null) {
                u8('N');
            } else if (v instanceof Integer i) {
                u8('I').varlong(zigzag(i));
            } else if (v instanceof Boolean b) {
                u8(b ? 'T' : 'F');
            } else if (v instanceof Double d) {
                u8('D');
                long bits = Double.doubleToRawLongBits(d);
                for (int k = 56; k >= 0; k -= 8) {
                    bytes.write((int) (bits >>> k));
                }
            } else if (v instanceof String s) {
                u8('S').str(s);
            } else if (v instanceof byte[] b) {
                u8('B').varlong(b.length);
                bytes.write(b, 0, b.length);
            } else if (v instanceof Date d) {
                u8('t').varlong(zigzag(d.getTime()));
            } else if (v instanceof Map<?, ?> m) {
                u8('M').varlong(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    str(String.valueOf(e.getKey()));
                    value(e.getValue(), depth + 1);
                }
            } else if (v instanceof Object[] a) {
                u8('A').varlong(a.length);
                for (Object o : a) {
                    value(o, depth + 1);
                }
            } else if (v instanceof Collection<?> c) {
                value(c.toArray(), depth);
            } else {
                value(WireValues.toWire(v), depth); // long, Short, enum...: what the wire would carry
            }
        }

        private static long zigzag(long v) {
            return (v << 1) ^ (v >> 63);
        }
    }

    /**
     * Reads one record. Every malformed input (short, overlong, unknown tag, too deep) throws
     * {@link IllegalArgumentException} with what is wrong.
     */
    public static final class Reader {
        private final ByteBuffer buf;

        public Reader(byte[] bytes) {
            this.buf = ByteBuffer.wrap(bytes);
        }

        public int u8() {
            try {
                return buf.get() & 0xff;
            } catch (BufferUnderflowException e) {
                throw new IllegalArgumentException("record cut short");
            }
        }

        public long varlong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        public String str() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        public String optStr() {
            return u8() == 0 ? null : str();
        }

        public Object value() {
            return value(0);
        }

        /** Throws unless the whole record was read. */
        public void end() {
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " trailing bytes");
            }
        }

        private int length() {
            long n = varlong();
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalArgumentException("length " + n + " beyond the record");
            }
            return (int) n;
        }

        private byte[] bytes() {
            byte[] b = new byte[length()];
            buf.get(b);
            return b;
        }

        private static long unzigzag(long z) {
            return (z >>> 1) ^ -(z & 1);
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH);
            }
            int tag = u8();
            switch (tag) {
                case 'N':
                    return null;
                case 'I':
                    return (int) unzigzag(varlong());
                case 'T':
                    return Boolean.TRUE;
                case 'F':
                    return Boolean.FALSE;
                case 'D':
                    if (buf.remaining() < 8) {
                        throw new IllegalArgumentException("record cut short");
                    }
                    return Double.longBitsToDouble(buf.getLong());
                case 'S':
                    return str();
                case 'B':
                    return bytes();
                case 't':
                    return new Date(unzigzag(varlong()));
                case 'M': {
                    int n = length();
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        m.put(str(), value(depth + 1));
                    }
                    return m;
                }
                case 'A': {
                    int n = length();
                    Object[] a = new Object[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = value(depth + 1);
                    }
                    return a;
                }
                default:
                    throw new IllegalArgumentException("unknown value tag " + tag);
            }
        }
    }

    private static final class Bytes extends ByteArrayOutputStream {
        Bytes() {
            super(128);
        }
    }
}
