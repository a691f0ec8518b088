package jfunc.minion.jobs;

import jfunc.common.job.JobRecord;
import jfunc.common.job.JobState;
import jfunc.common.job.RecordBytes;

/**
 * The status file's record format: a small versioned binary encoding (never Java serialisation),
 * built from {@link RecordBytes} (str, str?, varint and value as defined there).
 *
 * <pre>
 * version 1:  u8 1, str id, str method, str args, u8 state ('Q','R','F','X','L'),
 *             varint faultCode, str? faultString, str? reason,
 *             varlong submitted, varlong started, varlong finished, str? requestId, value result
 * version 2:  u8 2, then as version 1 with str? caller after requestId
 * version 3:  u8 3, then as version 2 with str? cancelledBy after caller; state 'C' (CANCELLED)
 * </pre>
 * A new field means a new version; old versions stay readable.
 */
final class JobCodec {
    static final int VERSION = 3;

    private JobCodec() {}

    /** A record that cannot be decoded (corruption, or written by a newer jfuncd). */
    static final class UnreadableRecordException extends RuntimeException {
        UnreadableRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static byte[] encode(JobRecord r) {
        RecordBytes.Writer out = new RecordBytes.Writer();
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
        out.optStr(r.cancelledBy());
        out.value(r.result());
        return out.toByteArray();
    }

    static JobRecord decode(byte[] bytes) {
        try {
            RecordBytes.Reader in = new RecordBytes.Reader(bytes);
            int version = in.u8();
            if (version < 1 || version > VERSION) {
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
            String cancelledBy = version >= 3 ? in.optStr() : null;
            Object result = in.value();
            in.end();
            return new JobRecord(id, method, args, state, result, faultCode, faultString, reason,
                    submitted, started, finished, requestId, caller, cancelledBy);
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
            case CANCELLED -> 'C';
        };
    }

    private static JobState state(int code) {
        return switch (code) {
            case 'Q' -> JobState.QUEUED;
            case 'R' -> JobState.RUNNING;
            case 'F' -> JobState.FINISHED;
            case 'X' -> JobState.FAILED;
            case 'L' -> JobState.LOST;
            case 'C' -> JobState.CANCELLED;
            default -> throw new IllegalArgumentException("unknown state code " + code);
        };
    }
}
