package jfunc.overlord.jobs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job store's value format: compact binary, one leading version byte per record, so a
 * record written by a newer jfunc is recognised instead of misread. Results are kept in wire
 * form (int, boolean, double, string, bytes, struct, array, date), tagged by one byte.
 * Java serialisation is never used (it is a code-execution hole and breaks on records).
 */
final class RecordCodec {
    static final int VERSION = 1;
    private static final long NONE = Long.MIN_VALUE;

    /** A record this code cannot read: {@code newer} when its version is above {@link #VERSION}. */
    static final class FormatException extends RuntimeException {
        final boolean newer;

        FormatException(String message, boolean newer) {
            super(message);
            this.newer = newer;
        }
    }

    private RecordCodec() {}

    static byte[] encodeSummary(JobSummary s) {
        return write(out -> {
            out.writeByte(VERSION);
            writeString(out, s.id());
            writeString(out, s.target());
            writeString(out, s.method());
            writeString(out, s.args());
            out.writeLong(millis(s.submitted()));
            out.writeLong(millis(s.deadline()));
            writeString(out, s.state().name());
            out.writeLong(s.submitter() == null ? 0 : s.submitter().pid());
            out.writeLong(s.submitter() == null ? 0 : s.submitter().startMillis());
            out.writeInt(s.counts().size());
            for (Map.Entry<MinionState, Integer> e : s.counts().entrySet()) {
                writeString(out, e.getKey().name());
                out.writeInt(e.getValue());
            }
        });
    }

    static JobSummary decodeSummary(byte[] bytes) {
        return read(bytes, in -> {
            String id = readString(in);
            String target = readString(in);
            String method = readString(in);
            String args = readString(in);
            Instant submitted = instant(in.readLong());
            Instant deadline = instant(in.readLong());
            JobState state = JobState.valueOf(readString(in));
            long pid = in.readLong();
            long start = in.readLong();
            int n = in.readInt();
            Map<MinionState, Integer> counts = new EnumMap<>(MinionState.class);
            for (int i = 0; i < n; i++) {
                counts.put(MinionState.valueOf(readString(in)), in.readInt());
            }
            return new JobSummary(id, target, method, args, submitted, deadline, state,
                    pid == 0 ? null : new Submitter(pid, start), counts);
        });
    }

    static byte[] encodeParams(List<Object> params) {
        return write(out -> {
            out.writeByte(VERSION);
            writeValue(out, params.toArray());
        });
    }

    static List<Object> decodeParams(byte[] bytes) {
        return read(bytes, in -> {
            Object v = readValue(in);
            return v instanceof Object[] a ? java.util.Arrays.asList(a) : List.of();
        });
    }

    static byte[] encodeMinion(MinionJob m) {
        return write(out -> {
            out.writeByte(VERSION);
            writeString(out, m.minion());
            writeString(out, m.jobId());
            writeString(out, m.state().name());
            out.writeLong(millis(m.updated()));
            writeValue(out, m.result());
            out.writeBoolean(m.error() != null);
            if (m.error() != null) {
                writeString(out, m.error().kind());
                out.writeInt(m.error().code());
                writeString(out, m.error().message());
            }
        });
    }

    static MinionJob decodeMinion(byte[] bytes) {
        return read(bytes, in -> {
            String minion = readString(in);
            String jobId = readString(in);
            MinionState state = MinionState.valueOf(readString(in));
            Instant updated = instant(in.readLong());
            Object result = readValue(in);
            MinionError error = in.readBoolean() ? new MinionError(readString(in), in.readInt(), readString(in)) : null;
            return new MinionJob(minion, jobId, state, result, error, updated);
        });
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Parser<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Parser<T> parser) {
        if (bytes == null || bytes.length == 0) {
            throw new FormatException("empty record", false);
        }
        int version = bytes[0] & 0xff;
        if (version > VERSION) {
            throw new FormatException("record format " + version + " (this jfunc reads up to " + VERSION + ")", true);
        }
        if (version != VERSION) {
            throw new FormatException("unknown record format " + version, false);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
            T value = parser.read(in);
            if (in.available() != 0) {
                throw new FormatException("record has " + in.available() + " trailing bytes", false);
            }
            return value;
        } catch (IOException | IllegalArgumentException e) {
            throw new FormatException("malformed record: " + e, false);
        }
    }

    private static long millis(Instant t) {
        return t == null ? NONE : t.toEpochMilli();
    }

    private static Instant instant(long millis) {
        return millis == NONE ? null : Instant.ofEpochMilli(millis);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.available()) {
            throw new IOException("bad length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** Wire values, tagged: N null, i int, b boolean, d double, s string, B bytes, m struct, a array, t date. */
    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte('N');
        } else if (v instanceof String s) {
            out.writeByte('s');
            writeString(out, s);
        } else if (v instanceof Integer i) {
            out.writeByte('i');
            out.writeInt(i);
        } else if (v instanceof Boolean b) {
            out.writeByte('b');
            out.writeBoolean(b);
        } else if (v instanceof Double d) {
            out.writeByte('d');
            out.writeDouble(d);
        } else if (v instanceof byte[] b) {
            out.writeByte('B');
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof Date d) {
            out.writeByte('t');
            out.writeLong(d.getTime());
        } else if (v instanceof Map<?, ?> map) {
            out.writeByte('m');
            out.writeInt(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                writeString(out, String.valueOf(e.getKey()));
                writeValue(out, e.getValue());
            }
        } else if (v instanceof Object[] array) {
            out.writeByte('a');
            out.writeInt(array.length);
            for (Object o : array) {
                writeValue(out, o);
            }
        } else if (v instanceof Collection<?> c) {
            writeValue(out, c.toArray());
        } else {
            // long, Short, ...: what WireValues would send
            Object wire = jfunc.common.WireValues.toWire(v);
            if (wire instanceof String s) {
                out.writeByte('s');
                writeString(out, s);
            } else {
                writeValue(out, wire);
            }
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 'N':
                return null;
            case 'i':
                return in.readInt();
            case 'b':
                return in.readBoolean();
            case 'd':
                return in.readDouble();
            case 's':
                return readString(in);
            case 'B':
                return readBytes(in);
            case 't':
                return new Date(in.readLong());
            case 'm': {
                int n = count(in);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    map.put(readString(in), readValue(in));
                }
                return map;
            }
            case 'a': {
                int n = count(in);
                List<Object> list = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    list.add(readValue(in));
                }
                return list.toArray();
            }
            default:
                throw new IOException("unknown value tag " + tag);
        }
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad count " + n);
        }
        return n;
    }
}
