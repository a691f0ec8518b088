package jfunc.minion.jobs;

import java.util.List;
import jfunc.common.job.JobProtocol;
import jfunc.minion.ArgType;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;

/** The {@code jobs} module: declarations and help for the jobs.* methods, answered by {@link Jobs}. */
final class JobsModule implements MinionModule {
    private final JobsAtStart jobs;

    JobsModule(JobsAtStart jobs) {
        this.jobs = jobs;
    }

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(
                MethodSpec.method("submit").help("Runs module.method(args) as a job and returns its id; a repeated"
                                + " request_id returns the first job's id and runs nothing.")
                        .param("request_id", ArgType.STRING).param("method", ArgType.STRING)
                        .optional("args", ArgType.ARRAY)
                        .handler((a, c) -> jobs.get().call(JobProtocol.SUBMIT, a.all(), c)),
                MethodSpec.method("status").help("The job's record; fault 108 (unknown job) for an unknown or"
                                + " purged id.")
                        .param("id", ArgType.STRING)
                        .handler((a, c) -> jobs.get().call(JobProtocol.STATUS, a.all(), c)),
                MethodSpec.method("status_many").help("Records of many jobs in one call: a struct id -> record;"
                                + " unknown ids get {state: UNKNOWN, reason}.")
                        .param("ids", ArgType.ARRAY)
                        .handler((a, c) -> jobs.get().call(JobProtocol.STATUS_MANY, a.all(), c)),
                MethodSpec.method("list").help("The newest job records (without results), optionally only those"
                                + " after a job id or since an ISO time.")
                        .optional("since", ArgType.STRING)
                        .handler((a, c) -> jobs.get().call(JobProtocol.LIST, a.all(), c)),
                MethodSpec.method("wait").help("The job's record as soon as it is no longer QUEUED or RUNNING, or"
                                + " after the seconds passed (clamped to 0..jobs.max_wait, default 300).")
                        .param("id", ArgType.STRING).param("seconds", ArgType.DOUBLE)
                        .handler((a, c) -> jobs.get().call(JobProtocol.WAIT, a.all(), c)),
                MethodSpec.method("cancel").help("Stops the job: a queued one leaves its queue, a running one has its"
                                + " process trees killed; it ends CANCELLED with who cancelled it and when. Answers"
                                + " {id, cancelled, state, message}; a job that already ended is left as it is"
                                + " (cancelled false). Granted only by an ACL line that names jobs.cancel.")
                        .param("id", ArgType.STRING)
                        .handler((a, c) -> jobs.get().call(JobProtocol.CANCEL, a.all(), c)));
    }
}
