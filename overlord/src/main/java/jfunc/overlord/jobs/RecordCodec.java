package jfunc.overlord.jobs;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.job.RecordBytes;

/**
 * The job store's value format: compact binary, one leading version byte per record, so a
 * record written by a newer jfunc is recognised instead of misread. Results are kept in wire
 * form (int, boolean, double, string, bytes, struct, array, date).
 * Java serialisation is never used (it is a code-execution hole and breaks on records).
 *
 * <p>Version 2 (written now) is built from {@link RecordBytes}, the encoding the minion's status
 * file uses too: {@code str?} for every text, varints for counts and numbers, {@code time?} as
 * u8 0 | u8 1 + varint epoch ms, {@code value} for results and parameters.
 * <pre>
 * summary: u8 2, str? id, target, method, args, time? submitted, deadline, str? state,
 *          varint submitter pid, varint submitter start ms, varint n, (str minion state, varint count)*
 * params:  u8 2, value (an array)
 * minion:  u8 2, str? minion, jobId, state, time? updated, value result,
 *          u8 0 | u8 1 + str? kind, varint code, str? message
 * </pre>
 * Version 1 (jfunc before the shared encoding: Java DataOutput ints and longs, strings as
 * int length + UTF-8 or -1 for null, values tagged N i b d s B t m a) is still read.
 */
final class RecordCodec {
    static final int VERSION = 2;
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
        RecordBytes.Writer out = new RecordBytes.Writer().u8(VERSION);
        out.optStr(s.id()).optStr(s.target()).optStr(s.method()).optStr(s.args());
        time(out, s.submitted());
        time(out, s.deadline());
        out.optStr(s.state().name());
        out.varlong(s.submitter() == null ? 0 : s.submitter().pid());
        out.varlong(s.submitter() == null ? 0 : s.submitter().startMillis());
        out.varlong(s.counts().size());
        for (Map.Entry<MinionState, Integer> e : s.counts().entrySet()) {
            out.str(e.getKey().name()).varlong(e.getValue());
        }
        return out.toByteArray();
    }

    static JobSummary decodeSummary(byte[] bytes) {
        return read(bytes, in -> {
            String id = in.optStr();
            String target = in.optStr();
            String method = in.optStr();
            String args = in.optStr();
            Instant submitted = time(in);
            Instant deadline = time(in);
            JobState state = JobState.valueOf(in.optStr());
            long pid = in.varlong();
            long start = in.varlong();
            long n = in.varlong();
            Map<MinionState, Integer> counts = new EnumMap<>(MinionState.class);
            for (long i = 0; i < n; i++) {
                counts.put(MinionState.valueOf(in.str()), (int) in.varlong());
            }
            return summary(id, target, method, args, submitted, deadline, state, pid, start, counts);
        }, V1::summary);
    }

    static byte[] encodeParams(List<Object> params) {
        return new RecordBytes.Writer().u8(VERSION).value(params.toArray()).toByteArray();
    }

    static List<Object> decodeParams(byte[] bytes) {
        return read(bytes, in -> params(in.value()), in -> params(V1.value(in)));
    }

    static byte[] encodeMinion(MinionJob m) {
        RecordBytes.Writer out = new RecordBytes.Writer().u8(VERSION);
        out.optStr(m.minion()).optStr(m.jobId()).optStr(m.state().name());
        time(out, m.updated());
        out.value(m.result());
        if (m.error() == null) {
            out.u8(0);
        } else {
            out.u8(1).optStr(m.error().kind()).varlong(m.error().code() & 0xffffffffL).optStr(m.error().message());
        }
        return out.toByteArray();
    }

    static MinionJob decodeMinion(byte[] bytes) {
        return read(bytes, in -> {
            String minion = in.optStr();
            String jobId = in.optStr();
            MinionState state = MinionState.valueOf(in.optStr());
            Instant updated = time(in);
            Object result = in.value();
            MinionError error = in.u8() == 0 ? null : new MinionError(in.optStr(), (int) in.varlong(), in.optStr());
            return new MinionJob(minion, jobId, state, result, error, updated);
        }, V1::minion);
    }

    private static JobSummary summary(String id, String target, String method, String args, Instant submitted,
                                      Instant deadline, JobState state, long pid, long start,
                                      Map<MinionState, Integer> counts) {
        return new JobSummary(id, target, method, args, submitted, deadline, state,
                pid == 0 ? null : new Submitter(pid, start), counts);
    }

    private static List<Object> params(Object v) {
        return v instanceof Object[] a ? java.util.Arrays.asList(a) : List.of();
    }

    private static void time(RecordBytes.Writer out, Instant t) {
        if (t == null) {
            out.u8(0);
        } else {
            out.u8(1).varlong(t.toEpochMilli());
        }
    }

    private static Instant time(RecordBytes.Reader in) {
        return in.u8() == 0 ? null : Instant.ofEpochMilli(in.varlong());
    }

    private interface Parser<T> {
        T read(RecordBytes.Reader in);
    }

    private interface V1Parser<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> T read(byte[] bytes, Parser<T> parser, V1Parser<T> v1) {
        if (bytes == null || bytes.length == 0) {
            throw new FormatException("empty record", false);
        }
        int version = bytes[0] & 0xff;
        if (version > VERSION) {
            throw new FormatException("record format " + version + " (this jfunc reads up to " + VERSION + ")", true);
        }
        if (version == 1) {
            return V1.read(bytes, v1);
        }
        if (version != VERSION) {
            throw new FormatException("unknown record format " + version, false);
        }
        try {
            RecordBytes.Reader in = new RecordBytes.Reader(bytes);
            in.u8();
            T value = parser.read(in);
            in.end();
            return value;
        } catch (IllegalArgumentException e) {
            throw new FormatException("malformed record: " + e.getMessage(), false);
        }
    }

    /** Reading version 1 records, as jfunc wrote them before version 2. */
    private static final class V1 {
        private V1() {}

        static <T> T read(byte[] bytes, V1Parser<T> parser) {
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

        static JobSummary summary(DataInputStream in) throws IOException {
            String id = string(in);
            String target = string(in);
            String method = string(in);
            String args = string(in);
            Instant submitted = instant(in.readLong());
            Instant deadline = instant(in.readLong());
            JobState state = JobState.valueOf(string(in));
            long pid = in.readLong();
            long start = in.readLong();
            int n = in.readInt();
            Map<MinionState, Integer> counts = new EnumMap<>(MinionState.class);
            for (int i = 0; i < n; i++) {
                counts.put(MinionState.valueOf(string(in)), in.readInt());
            }
            return RecordCodec.summary(id, target, method, args, submitted, deadline, state, pid, start, counts);
        }

        static MinionJob minion(DataInputStream in) throws IOException {
            String minion = string(in);
            String jobId = string(in);
            MinionState state = MinionState.valueOf(string(in));
            Instant updated = instant(in.readLong());
            Object result = value(in);
            MinionError error = in.readBoolean() ? new MinionError(string(in), in.readInt(), string(in)) : null;
            return new MinionJob(minion, jobId, state, result, error, updated);
        }

        private static Instant instant(long millis) {
            return millis == NONE ? null : Instant.ofEpochMilli(millis);
        }

        private static String string(DataInputStream in) throws IOException {
            byte[] b = bytes(in);
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        private static byte[] bytes(DataInputStream in) throws IOException {
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

        static Object value(DataInputStream in) throws IOException {
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
                    return string(in);
                case 'B':
                    return bytes(in);
                case 't':
                    return new Date(in.readLong());
                case 'm': {
                    int n = count(in);
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        map.put(string(in), value(in));
                    }
                    return map;
                }
                case 'a': {
                    int n = count(in);
                    List<Object> list = new ArrayList<>(Math.min(n, 1024));
                    for (int i = 0; i < n; i++) {
                        list.add(value(in));
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
}
