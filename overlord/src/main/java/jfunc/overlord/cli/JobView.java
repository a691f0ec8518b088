package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.overlord.CommandExits;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionError;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.MinionState;

/**
 * How jobs read: a header and one row per minion for {@code job status}, one row per job for
 * {@code job list}, and the JSON objects of both.
 *
 * <p>JSON of a job: {@code id, state, target, method, args, submitted, deadline?, submitter_pid?,
 * counts {state: n}, minions {name: {state, job_id?, ok? | error?, updated?}}}}; {@code error}
 * is {@code {kind, code, label, message}}; a RUNNING minion's {@code error} is the last poll's.
 */
final class JobView {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private JobView() {}

    static void printHeader(Job j, CommandExits exits, PrintWriter out) {
        JobSummary s = j.summary();
        out.println("job " + s.id() + "  " + s.state() + "  " + ValueText.clean(s.method() + " " + s.args())
                + " on '" + ValueText.clean(s.target()) + "'");
        out.println("submitted " + WHEN.format(s.submitted()) + " UTC"
                + (s.deadline() == null ? "" : ", deadline " + WHEN.format(s.deadline()) + " UTC")
                + "; " + counts(j, exits));
    }

    /** The per-minion table (its header line once, then {@link #printRow} for each). */
    static void printTableHeader(int nameWidth, PrintWriter out) {
        out.println(ResultTable.pad("MINION", nameWidth) + "  " + ResultTable.pad("STATE", 12) + "  RESULT");
    }

    /** finished, failed (finished, but the command's exit code is not success), or the state's name. */
    static String stateLabel(MinionJob m, String method, CommandExits exits) {
        return commandFailed(m, method, exits) ? "failed" : m.state().name().toLowerCase(Locale.ROOT);
    }

    static boolean commandFailed(MinionJob m, String method, CommandExits exits) {
        return m.state() == MinionState.FINISHED && exits.failed(method, m.result());
    }

    /** Minions that finished with a command exit code that is not success. */
    static int failedCommands(Job j, CommandExits exits) {
        return (int) j.minions().stream().filter(m -> commandFailed(m, j.summary().method(), exits)).count();
    }

    static void printRow(MinionJob m, String method, CommandExits exits, int nameWidth, PrintWriter out) {
        ValueText text;
        if (m.state() == MinionState.FINISHED) {
            text = ValueText.of(m.result());
        } else if (m.error() != null && (m.state() == MinionState.WAITING || m.state() == MinionState.NOT_STARTED)) {
            text = new ValueText(ValueText.clean(m.error().message()), List.of()); // the message says it all
        } else if (m.error() != null) {
            text = new ValueText(ValueText.clean(label(m.error()) + ": " + m.error().message()), List.of());
        } else {
            text = new ValueText(m.state() == MinionState.RUNNING ? "minion job " + m.jobId() : "", List.of());
        }
        String summary = text.summary();
        if (m.state() == MinionState.RUNNING && m.error() != null) {
            summary = "still unfinished; last poll: " + summary;
        } else if (m.awaitsResubmission()) {
            summary = "not submitted yet, re-sent (same request id) until the job's deadline; last try: " + summary;
        }
        out.println(ResultTable.pad(m.minion(), nameWidth) + "  "
                + ResultTable.pad(stateLabel(m, method, exits), 12) + "  " + summary);
        for (String line : text.lines()) {
            out.println("    " + line);
        }
    }

    static int nameWidth(List<MinionJob> minions) {
        return Math.max("MINION".length(), minions.stream().mapToInt(m -> m.minion().length()).max().orElse(0));
    }

    /** "3 minions: 1 finished, 1 failed, 1 remote_error": failed are finished commands that did not succeed. */
    static String counts(Job j, CommandExits exits) {
        JobSummary s = j.summary();
        int failed = failedCommands(j, exits);
        StringBuilder b = new StringBuilder().append(s.minionCount()).append(s.minionCount() == 1 ? " minion" : " minions");
        String sep = ": ";
        for (Map.Entry<MinionState, Integer> e : s.counts().entrySet()) {
            int n = e.getValue() - (e.getKey() == MinionState.FINISHED ? failed : 0);
            if (n > 0 || e.getKey() != MinionState.FINISHED) {
                b.append(sep).append(n).append(' ').append(e.getKey().name().toLowerCase(Locale.ROOT));
                sep = ", ";
            }
            if (e.getKey() == MinionState.FINISHED && failed > 0) {
                b.append(sep).append(failed).append(" failed");
                sep = ", ";
            }
        }
        return b.toString();
    }

    /**
     * The job list; {@code failedCommands} gives, by job id, how many of its minions finished a
     * command whose exit code is not success (they count as FAILED).
     */
    static void printList(List<JobSummary> jobs, Map<String, Integer> failedCommands, PrintWriter out) {
        // as wide as the longest id, so that the columns line up whatever the id's format
        int idWidth = Math.max("ID".length(), jobs.stream().mapToInt(j -> j.id().length()).max().orElse(0));
        out.println(ResultTable.pad("ID", idWidth) + "  " + ResultTable.pad("STATE", 10) + "  "
                + ResultTable.pad("SUBMITTED (UTC)", 19) + "  " + ResultTable.pad("MINIONS", 7) + "  "
                + ResultTable.pad("DONE", 5) + "  " + ResultTable.pad("FAILED", 6) + "  " + ResultTable.pad("CANCELLED", 9)
                + "  CALL");
        for (JobSummary s : jobs) {
            int failed = s.failures() + failedCommands.getOrDefault(s.id(), 0);
            int done = s.minionCount() - s.unfinished();
            out.println(ResultTable.pad(s.id(), idWidth) + "  " + ResultTable.pad(s.state().name(), 10) + "  "
                    + WHEN.format(s.submitted()) + "  " + ResultTable.pad(Integer.toString(s.minionCount()), 7) + "  "
                    + ResultTable.pad(Integer.toString(done), 5) + "  " + ResultTable.pad(Integer.toString(failed), 6) + "  "
                    + ResultTable.pad(Integer.toString(s.count(MinionState.CANCELLED)), 9) + "  "
                    + ValueText.clean(s.method() + " " + s.args()) + " on '" + ValueText.clean(s.target()) + "'");
        }
    }

    static Map<String, Object> summaryJson(JobSummary s) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", s.id());
        j.put("state", s.state().name());
        j.put("target", s.target());
        j.put("method", s.method());
        j.put("args", s.args());
        j.put("submitted", s.submitted().toString());
        if (s.deadline() != null) {
            j.put("deadline", s.deadline().toString());
        }
        if (s.submitter() != null) {
            j.put("submitter_pid", s.submitter().pid());
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        s.counts().forEach((k, v) -> counts.put(k.name(), v));
        j.put("counts", counts);
        return j;
    }

    static Map<String, Object> jobJson(Job job, CommandExits exits) {
        Map<String, Object> j = summaryJson(job.summary());
        Map<String, Object> minions = new LinkedHashMap<>();
        for (MinionJob m : job.minions()) {
            minions.put(m.minion(), minionJson(m, job.summary().method(), exits));
        }
        j.put("minions", minions);
        return j;
    }

    static Map<String, Object> minionJson(MinionJob m, String method, CommandExits exits) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("state", m.state().name());
        if (m.jobId() != null) {
            j.put("job_id", m.jobId());
        }
        if (m.state() == MinionState.FINISHED) {
            j.put("ok", m.result() == null ? "" : ResultJson.okValue(method, m.result()));
            if (commandFailed(m, method, exits)) {
                j.put("failed", true);
            }
        }
        if (m.error() != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", m.error().kind());
            e.put("code", m.error().code());
            e.put("label", label(m.error()));
            e.put("message", m.error().message());
            j.put("error", e);
        }
        if (m.updated() != null) {
            j.put("updated", m.updated().toString());
        }
        return j;
    }

    static String label(MinionError e) {
        return "fault".equals(e.kind()) && e.code() != 0 ? Faults.label(e.code()) : e.kind();
    }

    static String iso(Instant t) {
        return t == null ? "" : t.toString();
    }
}
