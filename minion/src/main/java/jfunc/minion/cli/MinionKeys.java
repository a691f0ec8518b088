package jfunc.minion.cli;

import java.util.List;
import java.util.Set;

/**
 * Every key jfuncd reads from {@code minion.conf} (the shipped etc/minion.conf documents each;
 * a test keeps the two the same). Any other key in the file stops the start with exit 2.
 */
public final class MinionKeys {
    private MinionKeys() {}

    public static final Set<String> KNOWN = Set.of(
            "name", "listen", "advertise", "ca", "ca_fingerprint", "enrol_max_wait", "crl_refresh",
            "overlord_name", "acl_file", "max_body_bytes", "worker_threads", "shutdown_grace", "idle_gc_after",
            "metrics_listen",
            "log_file", "log_level",
            "command_output_cap", "command_timeout", "command_max_timeout",
            "copyfile_roots", "process_info_limit", "service_systemd_dir", "getfile_roots", "getfile_max_bytes", "copyfile_max_bytes",
            "jobs.max_queued", "job_max_runtime", "job_retention", "jobs.purge_interval", "jobs.commit_interval",
            "jobs.max_result_bytes", "jobs.max_wait", "jobs.max_waiters", "jobs.list_limit", "jobs.status_many_limit");

    /** Keys with a name in them: per-module job pools (the module must exist), and a site module's own settings. */
    public static final List<String> PREFIXES = List.of("jobs.max_concurrent.", "jobs.max_running_time.", "site.");
}
