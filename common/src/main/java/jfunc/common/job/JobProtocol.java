package jfunc.common.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The names of the job protocol between overlord and minion, in one place: the {@code jobs.*}
 * methods a minion answers and the {@code async.} prefix that submits any other call as a job.
 * The minion's job service and the overlord's job follower both take the names from here.
 */
public final class JobProtocol {
    /** The module of the job methods. */
    public static final String JOBS_MODULE = "jobs";
    /** Prefix of every job method. */
    public static final String JOBS_PREFIX = JOBS_MODULE + ".";
    /** {@code async.module.method(args)} runs {@code module.method(args)} as a job. */
    public static final String ASYNC_PREFIX = "async.";
    /** {@code jobs.submit(request_id, "module.method", [args])}: the job's id. */
    public static final String SUBMIT = "jobs.submit";
    /** {@code jobs.status(id)}: the job's record. */
    public static final String STATUS = "jobs.status";
    /** {@code jobs.status_many([ids])}: a struct id to record. */
    public static final String STATUS_MANY = "jobs.status_many";
    /** {@code jobs.list([since])}: the newest records without results. */
    public static final String LIST = "jobs.list";
    /** {@code jobs.wait(id, seconds)}: the record once the job is done, or when the seconds pass. */
    public static final String WAIT = "jobs.wait";
    /**
     * {@code jobs.cancel(id)}: stops the job (a queued one leaves its queue, a running one has its
     * process trees killed), which ends CANCELLED; the answer is a {@link CancelReply}. Only an ACL
     * line that names this method exactly grants it ({@code jobs.*} does not).
     */
    public static final String CANCEL = "jobs.cancel";

    /** Every {@code jobs.*} method, sorted. */
    public static final List<String> METHODS = List.of(CANCEL, LIST, STATUS, STATUS_MANY, SUBMIT, WAIT);

    /** Methods that only an ACL method glob spelling the name itself grants, never a wildcard. */
    public static final List<String> NAMED_GRANT_ONLY = List.of(CANCEL);

    /** The longest request id a minion accepts in {@code jobs.submit}, in characters. */
    public static final int MAX_REQUEST_ID = 200;

    private JobProtocol() {}

    /** True for a request id a minion accepts: not blank, at most {@link #MAX_REQUEST_ID} characters. */
    public static boolean isValidRequestId(String requestId) {
        return requestId != null && !requestId.isBlank() && requestId.length() <= MAX_REQUEST_ID;
    }

    /**
     * The request id an overlord sends with one minion's {@code jobs.submit}: its own job id and the
     * minion name, {@code JOBID/NAME} (or {@code JOBID/sha256:HEX} of the name when that would pass
     * {@link #MAX_REQUEST_ID}), so that a re-sent submission is recognised and runs nothing twice.
     */
    public static String requestId(String overlordJobId, String minion) {
        String id = overlordJobId + "/" + minion;
        if (id.length() <= MAX_REQUEST_ID) {
            return id;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(minion.getBytes(StandardCharsets.UTF_8));
            return overlordJobId + "/sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True for a method of the job protocol itself or an {@code async.} submission. */
    public static boolean isJobMethod(String method) {
        return method != null && (method.startsWith(JOBS_PREFIX) || method.startsWith(ASYNC_PREFIX));
    }
}
