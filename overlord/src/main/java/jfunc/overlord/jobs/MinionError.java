package jfunc.overlord.jobs;

import jfunc.common.rpc.CallError;

/**
 * Why a minion's part of a job failed or is stuck: {@code kind} is a short label ("unreachable",
 * "timeout", "tls", "fault", "protocol", "lost", "interrupted", "deadline"), {@code code} the
 * XML-RPC fault code when there is one (else 0).
 */
public record MinionError(String kind, int code, String message) {
    public MinionError {
        kind = kind == null ? "" : kind;
        message = message == null ? "" : message;
    }

    /** The error of a failed call. */
    public static MinionError of(CallError error) {
        return new MinionError(error.kind().name().toLowerCase(java.util.Locale.ROOT), error.faultCode(), error.message());
    }

    @Override
    public String toString() {
        return kind + (code != 0 ? " " + code : "") + (message.isEmpty() ? "" : ": " + message);
    }
}
