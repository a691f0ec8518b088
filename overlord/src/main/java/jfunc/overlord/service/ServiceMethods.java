package jfunc.overlord.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jfunc.common.Config.ConfigException;
import jfunc.common.Faults;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.TargetException;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobStoreException;
import jfunc.overlord.jobs.MinionJob;
import org.apache.xmlrpc.XmlRpcException;

/**
 * The methods the service answers on its socket (docs/PROTOCOL.md, "The overlord service"),
 * each a thin layer over the service's one in-process {@link OverlordApi}: decode the
 * parameters, call, encode the answer; exceptions become faults with stable codes.
 */
final class ServiceMethods {
    /** The longest one {@code overlord.await} holds a connection; clients ask again. */
    static final int MAX_AWAIT_SECONDS = 60;

    /** The longest one {@code overlord.call_next} holds a connection. */
    static final int MAX_NEXT_SECONDS = 30;

    private final OverlordApi api;
    private final JobWatches watches;
    private final LiveCalls live;
    private volatile ServiceSettings settings;
    private final Fanouts fanouts;
    private final IntrospectionCache introspection = new IntrospectionCache();
    private final MergedCalls merges = new MergedCalls();

    /** Sync calls answered with an identical call's answer (merged requests) since start: a metric. */
    long mergedCalls() {
        return merges.merged();
    }

    /** Hears of each fan-out that ended: its method, how long it took, and its results (metrics). */
    interface Fanouts {
        void ended(String method, long nanos, CallResult result);
    }

    ServiceMethods(OverlordApi api, JobWatches watches, LiveCalls live, ServiceSettings settings, Fanouts fanouts) {
        this.api = api;
        this.watches = watches;
        this.live = live;
        this.settings = settings;
        this.fanouts = fanouts;
    }

    private volatile jfunc.overlord.heartbeat.Heartbeat heartbeat;

    /** The heartbeat whose figures {@code overlord.liveness} answers (issue 21). */
    void heartbeat(jfunc.overlord.heartbeat.Heartbeat h) {
        heartbeat = h;
    }

    private Object liveness(List<Object> p) throws XmlRpcException {
        jfunc.overlord.heartbeat.Heartbeat h = heartbeat;
        if (h == null) {
            throw new XmlRpcException(Faults.UNKNOWN_METHOD, "this service runs no heartbeat");
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        ids(p, 0).forEach(n -> out.put(n, jfunc.overlord.heartbeat.LivenessWire.toWire(h.of(n))));
        return out;
    }

    /** SIGHUP: the settings read again (forks and timeout reach the fan-out through the api). */
    void settings(ServiceSettings s) {
        settings = s;
    }

    Object call(String method, List<Object> p) throws XmlRpcException {
        try {
            return switch (method) {
                case "overlord.ping" -> true;
                case "overlord.select" -> ServiceWire.selection(api.select(string(p, 0)));
                case "overlord.minions" -> ServiceWire.selection(api.minions(string(p, 0)));
                case "overlord.call" -> ServiceWire.callResult(fanout(p).run(FanOutListener.NONE));
                case "overlord.call_start" -> callStart(p);
                case "overlord.call_next" -> callNext(p);
                case "overlord.submit" -> submit(p);
                case "overlord.jobs" -> ServiceWire.jobs(api.jobs(ids(p, 0)));
                case "overlord.status" -> ServiceWire.jobs(api.status(ids(p, 0)));
                case "overlord.await" -> await(p);
                case "overlord.cancel" -> cancel(p);
                case "overlord.list" -> list(p);
                case "overlord.purge" -> api.purge(Instant.parse(string(p, 0)));
                case jfunc.overlord.heartbeat.LivenessWire.METHOD -> liveness(p);
                default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "no method " + method
                        + " on the overlord service (see docs/PROTOCOL.md)");
            };
        } catch (NoMatchException e) {
            throw new XmlRpcException(Faults.NO_MATCH, e.getMessage());
        } catch (TargetException e) {
            throw new XmlRpcException(Faults.BAD_TARGET, e.getMessage());
        } catch (ConfigException e) {
            throw new XmlRpcException(Faults.CONFIG_ERROR, e.getMessage());
        } catch (JobStoreException e) {
            boolean retry = e.reason() == JobStoreException.Reason.BUSY || e.reason() == JobStoreException.Reason.IO;
            throw new XmlRpcException(retry ? Faults.STORE_BUSY : Faults.STORE_UNUSABLE, e.getMessage());
        } catch (IllegalArgumentException | ClassCastException | IndexOutOfBoundsException
                 | java.time.format.DateTimeParseException e) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + ": " + e.getMessage());
        } catch (RuntimeException | XmlRpcException e) {
            throw e;
        } catch (Exception e) {
            throw new XmlRpcException(Faults.INTERNAL_ERROR, method + " failed: " + e);
        }
    }

    /**
     * {@code overlord.call(target, method, params, timeout_seconds, names, batch, merge)}; the last
     * four may be left out or empty ({@code batch}: {@link ServiceWire#batch(Object)}; {@code merge}
     * false: never merged with an identical call in flight). The target is resolved now (no match, bad target: a fault at once); the
     * fan-out runs when the returned body does.
     */
    private LiveCalls.Body fanout(List<Object> p) throws TargetException, NoMatchException, ConfigException {
        String target = string(p, 0);
        MethodCall call = new MethodCall(string(p, 1), params(p, 2));
        Duration timeout = p.size() > 3 && p.get(3) instanceof Number n && n.doubleValue() > 0
                ? Duration.ofMillis((long) (n.doubleValue() * 1000)) : null;
        Selection selection = api.select(target);
        if (p.size() > 4 && ServiceWire.array(p.get(4)).length > 0) {
            selection = only(selection, ServiceWire.strings(p.get(4)));
        }
        Duration wait = timeout != null ? timeout : settings.limits().timeout();
        Duration late = settings.lateAnswers();
        jfunc.overlord.Batch batch = p.size() > 5 ? ServiceWire.batch(p.get(5)) : null;
        boolean merge = !(p.size() > 6 && Boolean.FALSE.equals(p.get(6)));
        Selection chosen = selection;
        LiveCalls.Body recorded = listener -> OverlordApi.recordedCall(api, chosen, call, wait, late, listener, batch);
        return listener -> {
            long start = System.nanoTime();
            CallResult r;
            if (call.method().startsWith("system.")) {
                // introspection (the CLI's method check before a call, list_methods, ...) is not a job
                r = IntrospectionCache.cacheable(call) ? introspection.call(chosen, call, listener, l -> api.call(chosen, call, wait, l))
                        : api.call(chosen, call, wait, listener);
            } else if (merge && readOnly(chosen, call.method(), wait)) {
                r = merges.call(new MergedCalls.Key(call.method(), IntrospectionCache.deep(call.params()), chosen.names(),
                        wait.toMillis(), String.valueOf(batch)), listener, recorded);
            } else {
                r = recorded.run(listener);
            }
            fanouts.ended(call.method(), System.nanoTime() - start, r);
            return r;
        };
    }

    /**
     * True when the minions declare {@code method} read-only: one of them is asked
     * ({@code system.list_read_only_methods}, kept 5 min); a minion that cannot say (an older one,
     * unreachable) means no.
     */
    private boolean readOnly(Selection selection, String method, Duration wait) throws Exception {
        if (selection.minions().isEmpty()) {
            return false;
        }
        Selection one = new Selection(selection.target(), List.of(selection.minions().get(0).name()),
                List.of(selection.minions().get(0)), List.of());
        MethodCall ask = MethodCall.of(READ_ONLY_METHODS);
        CallResult r = introspection.call(one, ask, null, l -> api.call(one, ask, wait, l));
        return r.results().size() == 1 && r.results().get(0).ok() && r.results().get(0).value() instanceof Object[] names
                && java.util.Arrays.asList(names).contains(method);
    }

    static final String READ_ONLY_METHODS = "system.list_read_only_methods";

    /** {@code overlord.call_start(...)}, parameters as overlord.call: {@code {call: handle}} at once. */
    private Object callStart(List<Object> p) throws TargetException, NoMatchException, ConfigException {
        return Map.of("call", live.start(fanout(p)));
    }

    /**
     * {@code overlord.call_next(handle, started_seen, finished_seen, seconds)}: {@code {started:
     * [names], finished: [minion result], result?}} as soon as there is news or {@code seconds}
     * (at most 30) pass; {@code result} (as overlord.call answers) once the call ended.
     */
    private Object callNext(List<Object> p) throws Exception {
        String handle = string(p, 0);
        int started = (Integer) p.get(1);
        int finished = (Integer) p.get(2);
        int seconds = Math.max(0, Math.min(MAX_NEXT_SECONDS, (Integer) p.get(3)));
        LiveCalls.News news = live.next(handle, started, finished, Duration.ofSeconds(seconds));
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("started", news.started());
        List<Object> done = new ArrayList<>();
        news.finished().forEach(r -> done.add(ServiceWire.minionResult(r)));
        out.put("finished", done);
        if (news.result() != null) {
            out.put("result", ServiceWire.callResult(news.result()));
        }
        return out;
    }

    /** {@code overlord.submit(target, method, params, deadline, batch)}; deadline ISO-8601 or "" for none; batch optional. */
    private Object submit(List<Object> p) throws TargetException, NoMatchException, ConfigException {
        MethodCall call = new MethodCall(string(p, 1), params(p, 2));
        String deadline = p.size() > 3 ? string(p, 3) : "";
        jfunc.overlord.Batch batch = p.size() > 4 ? ServiceWire.batch(p.get(4)) : null;
        OverlordApi.Submitted s = api.submit(api.select(string(p, 0)), call,
                deadline.isEmpty() ? null : Instant.parse(deadline), FanOutListener.NONE, batch);
        if (s.summary().state() != JobState.FINISHED) {
            watches.follow(s.summary().id()); // polls and re-submissions start now, not at the next adoption
        }
        return ServiceWire.submitted(s);
    }

    /**
     * {@code overlord.await(id, seconds, known)}: returns {job, done} as soon as some minion not in
     * {@code known} is done, the job is FINISHED, or {@code seconds} (at most 60) pass.
     */
    private Object await(List<Object> p) throws ConfigException {
        String id = string(p, 0);
        int seconds = Math.max(0, Math.min(MAX_AWAIT_SECONDS, p.size() > 1 ? ((Number) p.get(1)).intValue() : 30));
        Set<String> known = new HashSet<>(p.size() > 2 ? ServiceWire.strings(p.get(2)) : List.of());
        Job job = watches.awaitNews(id, known, Duration.ofSeconds(seconds));
        List<Object> done = new ArrayList<>();
        for (MinionJob m : job.minions()) {
            if (m.state().isDone() && !known.contains(m.minion())) {
                done.add(ServiceWire.minionJob(m));
            }
        }
        return Map.of("job", ServiceWire.job(job), "done", done);
    }

    /**
     * {@code overlord.cancel(id, [minion patterns])}: {@code {job, minions: {name: what happened},
     * already_finished}}; an unknown id or a minion the job does not have: fault 108 with the reason.
     */
    private Object cancel(List<Object> p) throws ConfigException, XmlRpcException {
        OverlordApi.Cancelled c;
        try {
            c = api.cancel(string(p, 0), p.size() > 1 ? ServiceWire.strings(p.get(1)) : List.of());
        } catch (IllegalArgumentException e) {
            throw new XmlRpcException(Faults.UNKNOWN_JOB, e.getMessage());
        }
        return ServiceWire.cancelled(c);
    }

    private Object list(List<Object> p) throws ConfigException {
        String state = string(p, 0);
        String before = string(p, 1);
        int limit = (Integer) p.get(2);
        List<Object> out = new ArrayList<>();
        api.list(state.isEmpty() ? null : JobState.parse(state), before.isEmpty() ? null : before, limit)
                .forEach(s -> out.add(ServiceWire.summary(s)));
        return out;
    }

    /** The part of {@code selection} named in {@code names} (names it does not hold are left out). */
    private static Selection only(Selection selection, List<String> names) {
        Set<String> wanted = new HashSet<>(names);
        List<MinionAddress> minions = selection.minions().stream().filter(m -> wanted.contains(m.name())).toList();
        List<String> kept = selection.names().stream().filter(wanted::contains).toList();
        List<String> unknown = selection.unknown().stream().filter(wanted::contains).toList();
        return new Selection(selection.target(), kept, minions, unknown, selection.revoked());
    }

    private static String string(List<Object> p, int i) {
        if (i >= p.size()) {
            throw new IllegalArgumentException("parameter " + (i + 1) + " is missing");
        }
        return ServiceWire.str(p.get(i));
    }

    private static List<String> ids(List<Object> p, int i) {
        if (i >= p.size()) {
            throw new IllegalArgumentException("parameter " + (i + 1) + " is missing");
        }
        return ServiceWire.strings(p.get(i));
    }

    private static List<Object> params(List<Object> p, int i) {
        return i < p.size() ? Arrays.asList(ServiceWire.array(p.get(i))) : List.of();
    }
}
