package jfunc.common.job;

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

    /** The longest request id a minion accepts in {@code jobs.submit}, in characters. */
    public static final int MAX_REQUEST_ID = 200;

    private JobProtocol() {}

    /** True for a method of the job protocol itself or an {@code async.} submission. */
    public static boolean isJobMethod(String method) {
        return method != null && (method.startsWith(JOBS_PREFIX) || method.startsWith(ASYNC_PREFIX));
    }
}
