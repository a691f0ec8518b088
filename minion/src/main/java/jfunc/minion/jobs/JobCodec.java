package jfunc.minion.jobs;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The status file's record format: a small versioned binary encoding (never Java serialisation).
 *
 * <pre>
 * version 1:  u8 1, str id, str method, str args, u8 state ('Q','R','F','X','L'),
 *             varint faultCode, str? faultString, str? reason,
 *             varlong submitted, varlong started, varlong finished, str? requestId, value result
 * version 2:  u8 2, then as version 1 with str? caller after requestId
 * str:   varint length + UTF-8          str?: u8 0 (null) | u8 1 + str
 * value: 'N' | 'I' zigzag-varint | 'T' | 'F' | 'D' 8 bytes | 'S' str | 'B' varint + bytes
 *        | 'M' varint count + (str key, value)* | 'A' varint count + value*
 * </pre>
 * A new field means a new version; old versions stay readable.
 */
final class JobCodec {
    static final int VERSION = 2;
    private static final int MAX_DEPTH = 200;

    private JobCodec() {}

    /** A record that cannot be decoded (corruption, or written by a newer jfuncd). */
    static final class UnreadableRecordException extends RuntimeException {
        UnreadableRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static byte[] encode(JobRecord r) {
        Out out = new Out();
        out.u8(VERSION);
        out.str(r.id());
        out.str(r.method());
        out.str(r.args());
        out.u8(stateCode(r.state()));
        out.varlong(r.faultCode() & 0xffffffffL);
        out.optStr(r.faultString());
        out.optStr(r.reason());
        out.varlong(r.submitted());
        out.varlong(r.started());
        out.varlong(r.finished());
        out.optStr(r.requestId());
        out.optStr(r.caller());
        out.value(r.result(), 0);
        return out.toByteArray();
    }

    /** The encoded size of a wire value, to bound what a job may store. */
    static int sizeOf(Object wireValue) {
        Out out = new Out();
        out.value(wireValue, 0);
        return out.size();
    }

    static JobRecord decode(byte[] bytes) {
        try {
            In in = new In(ByteBuffer.wrap(bytes));
            int version = in.u8();
            if (version != VERSION && version != 1) {
                throw new IllegalArgumentException("record format version " + version + " (this jfuncd reads "
                        + VERSION + ")");
            }
            String id = in.str();
            String method = in.str();
            String args = in.str();
            JobState state = state(in.u8());
            int faultCode = (int) in.varlong();
            String faultString = in.optStr();
            String reason = in.optStr();
            long submitted = in.varlong();
            long started = in.varlong();
            long finished = in.varlong();
            String requestId = in.optStr();
            String caller = version >= 2 ? in.optStr() : null;
            Object result = in.value(0);
            if (in.buf.hasRemaining()) {
                throw new IllegalArgumentException(in.buf.remaining() + " trailing bytes");
            }
            return new JobRecord(id, method, args, state, result, faultCode, faultString, reason,
                    submitted, started, finished, requestId, caller);
        } catch (RuntimeException e) {
            throw new UnreadableRecordException("unreadable job record: " + e, e);
        }
    }

    private static int stateCode(JobState s) {
        return switch (s) {
            case QUEUED -> 'Q';
            case RUNNING -> 'R';
            case FINISHED -> 'F';
            case FAILED -> 'X';
            case LOST -> 'L';
        };
    }

    private static JobState state(int code) {
        return switch (code) {
            case 'Q' -> JobState.QUEUED;
            case 'R' -> JobState.RUNNING;
            case 'F' -> JobState.FINISHED;
            case 'X' -> JobState.FAILED;
            case 'L' -> JobState.LOST;
            default -> throw new IllegalArgumentException("unknown state code " + code);
        };
    }

    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(128);
        }

        void u8(int v) {
            write(v);
        }

        void varlong(long v) {
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varlong(b.length);
            write(b, 0, b.length);
        }

        void optStr(String s) {
            if (s == null) {
                u8(0);
            } else {
                u8(1);
                str(s);
            }
        }

        void value(Object v, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH);
            }
            if (v == null) {
                u8('N');
            } else if (v instanceof Integer i) {
                u8('I');
                int z = (i << 1) ^ (i >> 31);
                varlong(z & 0xffffffffL);
            } else if (v instanceof Boolean b) {
                u8(b ? 'T' : 'F');
            } else if (v instanceof Double d) {
                u8('D');
                long bits = Double.doubleToRawLongBits(d);
                for (int k = 56; k >= 0; k -= 8) {
                    write((int) (bits >>> k));
                }
            } else if (v instanceof String s) {
                u8('S');
                str(s);
            } else if (v instanceof byte[] b) {
                u8('B');
                varlong(b.length);
                write(b, 0, b.length);
            } else if (v instanceof Map<?, ?> m) {
                u8('M');
                varlong(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    str(String.valueOf(e.getKey()));
                    value(e.getValue(), depth + 1);
                }
            } else if (v instanceof Object[] a) {
                u8('A');
                varlong(a.length);
                for (Object o : a) {
                    value(o, depth + 1);
                }
            } else {
                throw new IllegalArgumentException("not a wire value: " + v.getClass().getName());
            }
        }
    }

    private static final class In {
        final ByteBuffer buf;

        In(ByteBuffer buf) {
            this.buf = buf;
        }

        int u8() {
            return buf.get() & 0xff;
        }

        long varlong() {
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

        int length() {
            long n = varlong();
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalArgumentException("length " + n + " beyond the record");
            }
            return (int) n;
        }

        String str() {
            byte[] b = new byte[length()];
            buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        String optStr() {
            return u8() == 0 ? null : str();
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH);
            }
            int tag = u8();
            switch (tag) {
                case 'N':
                    return null;
                case 'I': {
                    int z = (int) varlong();
                    return (z >>> 1) ^ -(z & 1);
                }
                case 'T':
                    return Boolean.TRUE;
                case 'F':
                    return Boolean.FALSE;
                case 'D':
                    return Double.longBitsToDouble(buf.getLong());
                case 'S':
                    return str();
                case 'B': {
                    byte[] b = new byte[length()];
                    buf.get(b);
                    return b;
                }
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
}
