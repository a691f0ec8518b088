package jfunc.overlord.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.rpc.CallError;
import jfunc.overlord.CallResult;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionError;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.MinionState;
import jfunc.overlord.jobs.Submitter;

/**
 * The {@link OverlordApi} values as XML-RPC structs on the service socket (docs/PROTOCOL.md,
 * "The overlord service"): both directions, one place. Absent members stand for null; times are
 * ISO-8601 UTC strings, durations milliseconds as doubles.
 */
final class ServiceWire {
    private ServiceWire() {}

    static Map<String, Object> selection(Selection s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", s.target());
        m.put("names", s.names());
        List<Object> minions = new ArrayList<>();
        for (MinionAddress a : s.minions()) {
            minions.add(Map.of("name", a.name(), "host", a.host(), "port", a.port()));
        }
        m.put("minions", minions);
        m.put("unknown", s.unknown());
        m.put("revoked", s.revoked());
        return m;
    }

    static Selection selection(Object wire) {
        Map<?, ?> m = struct(wire);
        List<MinionAddress> minions = new ArrayList<>();
        for (Object o : array(m.get("minions"))) {
            Map<?, ?> a = struct(o);
            minions.add(new MinionAddress(str(a.get("name")), str(a.get("host")), (Integer) a.get("port")));
        }
        return new Selection(str(m.get("target")), strings(m.get("names")), minions, strings(m.get("unknown")),
                m.get("revoked") == null ? List.of() : strings(m.get("revoked")));
    }

    /** A rolling batch: {@code {size, percent, fail, ok_exits: [int]}}, or an empty struct for none. */
    static Map<String, Object> batch(jfunc.overlord.Batch b) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (b != null) {
            m.put("size", b.size());
            m.put("percent", b.percent());
            m.put("fail", b.maxFailures());
            m.put("ok_exits", List.copyOf(b.exits().ok()));
        }
        return m;
    }

    /** See {@link #batch(jfunc.overlord.Batch)}; null for an empty struct. */
    static jfunc.overlord.Batch batch(Object wire) {
        Map<?, ?> m = struct(wire);
        if (m.isEmpty()) {
            return null;
        }
        java.util.Set<Integer> ok = new java.util.TreeSet<>();
        for (Object o : array(m.get("ok_exits"))) {
            ok.add((Integer) o);
        }
        return new jfunc.overlord.Batch((Integer) m.get("size"), Boolean.TRUE.equals(m.get("percent")),
                (Integer) m.get("fail"), new jfunc.overlord.CommandExits(ok));
    }

    static Map<String, Object> callResult(CallResult r) {
        List<Object> results = new ArrayList<>();
        for (MinionResult x : r.results()) {
            results.add(minionResult(x));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", r.method());
        m.put("results", results);
        if (r.jobId() != null) {
            m.put("job", r.jobId());
        }
        m.put("still_running", r.stillRunning());
        return m;
    }

    static Map<String, Object> minionResult(MinionResult x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minion", x.minion());
        m.put("ok", x.ok());
        if (x.ok() && x.value() != null) {
            m.put("value", x.value());
        }
        if (x.error() != null) {
            m.put("error", Map.of("kind", x.error().kind().name(), "code", x.error().faultCode(), "message",
                    x.error().message() == null ? "" : x.error().message()));
        }
        m.put("ms", x.elapsed() == null ? 0.0 : x.elapsed().toNanos() / 1e6);
        return m;
    }

    static MinionResult minionResult(Object wire) {
        Map<?, ?> m = struct(wire);
        Duration elapsed = Duration.ofNanos((long) (((Number) m.get("ms")).doubleValue() * 1e6));
        if (Boolean.TRUE.equals(m.get("ok"))) {
            return MinionResult.success(str(m.get("minion")), m.get("value"), elapsed);
        }
        Map<?, ?> e = struct(m.get("error"));
        return MinionResult.failure(str(m.get("minion")), new CallError(CallError.Kind.valueOf(str(e.get("kind"))),
                (Integer) e.get("code"), str(e.get("message"))), elapsed);
    }

    static CallResult callResult(Object wire) {
        Map<?, ?> m = struct(wire);
        List<MinionResult> results = new ArrayList<>();
        for (Object o : array(m.get("results"))) {
            results.add(minionResult(o));
        }
        return new CallResult(str(m.get("method")), results, m.get("job") == null ? null : str(m.get("job")),
                m.get("still_running") == null ? List.of() : strings(m.get("still_running")));
    }

    static Map<String, Object> summary(JobSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("target", s.target());
        m.put("method", s.method());
        m.put("args", s.args());
        m.put("submitted", s.submitted().toString());
        if (s.deadline() != null) {
            m.put("deadline", s.deadline().toString());
        }
        m.put("state", s.state().name());
        if (s.submitter() != null) {
            m.put("submitter_pid", Long.toString(s.submitter().pid()));
            m.put("submitter_start", Long.toString(s.submitter().startMillis()));
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        s.counts().forEach((k, v) -> counts.put(k.name(), v));
        m.put("counts", counts);
        return m;
    }

    static JobSummary summary(Object wire) {
        Map<?, ?> m = struct(wire);
        Map<MinionState, Integer> counts = new EnumMap<>(MinionState.class);
        struct(m.get("counts")).forEach((k, v) -> counts.put(MinionState.valueOf(str(k)), (Integer) v));
        Submitter submitter = m.containsKey("submitter_pid") ? new Submitter(Long.parseLong(str(m.get("submitter_pid"))),
                Long.parseLong(str(m.get("submitter_start")))) : null;
        return new JobSummary(str(m.get("id")), str(m.get("target")), str(m.get("method")), str(m.get("args")),
                Instant.parse(str(m.get("submitted"))), instant(m.get("deadline")), JobState.valueOf(str(m.get("state"))),
                submitter, counts);
    }

    static Map<String, Object> minionJob(MinionJob j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minion", j.minion());
        if (j.jobId() != null) {
            m.put("job_id", j.jobId());
        }
        m.put("state", j.state().name());
        if (j.result() != null) {
            m.put("result", j.result());
        }
        if (j.error() != null) {
            m.put("error", Map.of("kind", j.error().kind(), "code", j.error().code(), "message", j.error().message()));
        }
        if (j.updated() != null) {
            m.put("updated", j.updated().toString());
        }
        return m;
    }

    static MinionJob minionJob(Object wire) {
        Map<?, ?> m = struct(wire);
        MinionError error = null;
        if (m.get("error") != null) {
            Map<?, ?> e = struct(m.get("error"));
            error = new MinionError(str(e.get("kind")), (Integer) e.get("code"), str(e.get("message")));
        }
        return new MinionJob(str(m.get("minion")), m.containsKey("job_id") ? str(m.get("job_id")) : null,
                MinionState.valueOf(str(m.get("state"))), m.get("result"), error, instant(m.get("updated")));
    }

    static Map<String, Object> job(Job j) {
        List<Object> minions = new ArrayList<>();
        j.minions().forEach(m -> minions.add(minionJob(m)));
        return Map.of("summary", summary(j.summary()), "minions", minions);
    }

    static Job job(Object wire) {
        Map<?, ?> m = struct(wire);
        List<MinionJob> minions = new ArrayList<>();
        for (Object o : array(m.get("minions"))) {
            minions.add(minionJob(o));
        }
        return new Job(summary(m.get("summary")), minions);
    }

    static Map<String, Object> cancelled(OverlordApi.Cancelled c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job(c.job()));
        Map<String, Object> minions = new LinkedHashMap<>(c.minions());
        m.put("minions", minions);
        m.put("already_finished", c.alreadyFinished());
        return m;
    }

    /** The order of {@code minions} is the job's: names sort as the job's minions do. */
    static OverlordApi.Cancelled cancelled(Object wire) {
        Map<?, ?> m = struct(wire);
        Job job = job(m.get("job"));
        Map<?, ?> said = struct(m.get("minions"));
        Map<String, String> ordered = new LinkedHashMap<>();
        for (jfunc.overlord.jobs.MinionJob mj : job.minions()) {
            if (said.containsKey(mj.minion())) {
                ordered.put(mj.minion(), str(said.get(mj.minion())));
            }
        }
        return new OverlordApi.Cancelled(job, ordered, Boolean.TRUE.equals(m.get("already_finished")));
    }

    static Map<String, Object> jobs(Map<String, Job> jobs) {
        Map<String, Object> out = new LinkedHashMap<>();
        jobs.forEach((id, j) -> out.put(id, job(j)));
        return out;
    }

    static Map<String, Job> jobs(Object wire, List<String> order) {
        Map<?, ?> m = struct(wire);
        Map<String, Job> out = new LinkedHashMap<>();
        for (String id : order) {
            if (m.get(id) != null) {
                out.put(id, job(m.get(id)));
            }
        }
        return out;
    }

    static Map<String, Object> submitted(OverlordApi.Submitted s) {
        List<Object> minions = new ArrayList<>();
        s.minions().forEach(m -> minions.add(minionJob(m)));
        return Map.of("summary", summary(s.summary()), "minions", minions);
    }

    static OverlordApi.Submitted submitted(Object wire) {
        Map<?, ?> m = struct(wire);
        List<MinionJob> minions = new ArrayList<>();
        for (Object o : array(m.get("minions"))) {
            minions.add(minionJob(o));
        }
        return new OverlordApi.Submitted(summary(m.get("summary")), minions);
    }

    static Map<?, ?> struct(Object o) {
        if (o instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException("a struct was expected, got " + o);
    }

    static Object[] array(Object o) {
        if (o instanceof Object[] a) {
            return a;
        }
        if (o instanceof List<?> l) {
            return l.toArray();
        }
        throw new IllegalArgumentException("an array was expected, got " + o);
    }

    static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object x : array(o)) {
            out.add(str(x));
        }
        return out;
    }

    static String str(Object o) {
        if (o instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("a string was expected, got " + o);
    }

    private static Instant instant(Object o) {
        return o == null ? null : Instant.parse(str(o));
    }
}
