package jfunc.overlord.service;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jfunc.common.Config.ConfigException;
import jfunc.common.Faults;
import jfunc.common.StateDir;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOut;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;
import jfunc.overlord.Target;
import jfunc.overlord.TargetException;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionJob;
import org.apache.xmlrpc.XmlRpcException;

/**
 * {@link OverlordApi} through a running {@code jfunc-overlord}: every operation is one call on
 * its socket ({@code STATE/overlord/overlord.sock}); {@link #await} is a chain of long polls on
 * the service, which reports each minion as it becomes done. Loads no TLS and no job store.
 */
public final class ServiceClient implements OverlordApi {
    /** The socket's file name in {@code STATE/overlord}. */
    public static final String SOCKET = "overlord.sock";

    private final SocketRpc rpc;
    private final FanOut.Limits limits;

    private ServiceClient(SocketRpc rpc, FanOut.Limits limits) {
        this.rpc = rpc;
        this.limits = limits;
    }

    /** Where the service of {@code state} listens. */
    public static Path socket(StateDir state) {
        return state.overlord().resolve(SOCKET);
    }

    /**
     * Connects to the service of {@code state}: null when there is no socket file; throws
     * {@link Stale} when the file is there but nobody listens.
     */
    public static ServiceClient connect(StateDir state, FanOut.Limits limits) throws Stale {
        Path socket = socket(state);
        if (!java.nio.file.Files.exists(socket)) {
            return null;
        }
        try {
            return new ServiceClient(SocketRpc.connect(socket), limits);
        } catch (IOException e) {
            throw new Stale(socket + " is there but no service answers (" + e.getMessage() + ")");
        }
    }

    /** A socket file with no service behind it. */
    public static final class Stale extends Exception {
        Stale(String message) {
            super(message);
        }
    }

    @Override
    public Selection select(String target) throws TargetException, NoMatchException, ConfigException {
        Target.parse(target);
        return ServiceWire.selection(call("overlord.select", target));
    }

    @Override
    public Selection minions(String target) throws TargetException, NoMatchException, ConfigException {
        Target.parse(target);
        return ServiceWire.selection(call("overlord.minions", target));
    }

    /**
     * The call runs in the service; the rows come as minions answer: {@code overlord.call_start},
     * then {@code overlord.call_next} long polls, each answered as soon as a minion starts or ends.
     */
    @Override
    public CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener,
                           jfunc.overlord.Batch batch) throws ConfigException {
        return call(selection, call, timeout, listener, batch, true);
    }

    @Override
    public CallResult call(Selection selection, MethodCall call, Duration timeout, FanOutListener listener,
                           jfunc.overlord.Batch batch, boolean merge) throws ConfigException {
        Duration t = timeout != null ? timeout : limits.timeout();
        FanOutListener l = listener == null ? FanOutListener.NONE : listener;
        Map<String, MinionAddress> addresses = new HashMap<>();
        selection.minions().forEach(m -> addresses.put(m.name(), m));
        try {
            String handle = ServiceWire.str(ServiceWire.struct(call("overlord.call_start", selection.target(), call.method(),
                    call.params().toArray(), t.toMillis() / 1000.0, selection.names().toArray(), ServiceWire.batch(batch), merge)).get("call"));
            int started = 0;
            int finished = 0;
            while (true) {
                Map<?, ?> news = ServiceWire.struct(call("overlord.call_next", handle, started, finished,
                        ServiceMethods.MAX_NEXT_SECONDS));
                for (String name : ServiceWire.strings(news.get("started"))) {
                    started++;
                    MinionAddress a = addresses.get(name);
                    if (a != null) {
                        l.started(a);
                    }
                }
                for (Object o : ServiceWire.array(news.get("finished"))) {
                    finished++;
                    l.finished(ServiceWire.minionResult(o));
                }
                if (news.get("result") != null) {
                    return ServiceWire.callResult(news.get("result"));
                }
            }
        } catch (TargetException | NoMatchException e) {
            throw new IllegalStateException(e.getMessage(), e); // the selection came from the service
        }
    }

    @Override
    public Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener,
                            jfunc.overlord.Batch batch) throws ConfigException {
        try {
            return ServiceWire.submitted(call("overlord.submit", selection.target(), call.method(),
                    call.params().toArray(), deadline == null ? "" : deadline.toString(), ServiceWire.batch(batch)));
        } catch (TargetException | NoMatchException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Job> jobs(List<String> ids) throws ConfigException {
        return ServiceWire.jobs(jobCall("overlord.jobs", (Object) ids.toArray()), ids);
    }

    @Override
    public Map<String, Job> status(List<String> ids) throws ConfigException {
        return ServiceWire.jobs(jobCall("overlord.status", (Object) ids.toArray()), ids);
    }

    @Override
    public Job await(String id, Duration timeout, JobProgress progress) throws ConfigException {
        long end = System.nanoTime() + timeout.toNanos();
        Set<String> known = null;
        Job job;
        while (true) {
            long left = end - System.nanoTime();
            int seconds = (int) Math.max(0, Math.min(ServiceMethods.MAX_AWAIT_SECONDS, left / 1_000_000_000L));
            Map<?, ?> answer;
            try {
                answer = ServiceWire.struct(jobCall("overlord.await", id, seconds,
                        known == null ? new Object[0] : known.toArray()));
            } catch (ServiceGone e) {
                throw new ServiceGone(e.getMessage() + "; re-attach with: jfunc job status " + id + " --wait", e);
            }
            job = ServiceWire.job(answer.get("job"));
            if (known == null) {
                known = new HashSet<>(); // the first answer: minions done before the wait began are not news
                for (MinionJob m : job.minions()) {
                    if (m.state().isDone()) {
                        known.add(m.minion());
                    }
                }
                for (Object o : ServiceWire.array(answer.get("done"))) {
                    known.add(ServiceWire.minionJob(o).minion());
                }
            } else {
                for (Object o : ServiceWire.array(answer.get("done"))) {
                    MinionJob m = ServiceWire.minionJob(o);
                    if (known.add(m.minion()) && progress != null) {
                        progress.done(m);
                    }
                }
            }
            if (job.state() == JobState.FINISHED || System.nanoTime() >= end) {
                return job;
            }
        }
    }

    @Override
    public List<JobSummary> list(JobState state, String beforeId, int limit) throws ConfigException {
        List<JobSummary> out = new ArrayList<>();
        for (Object o : ServiceWire.array(jobCall("overlord.list", state == null ? "" : state.name(),
                beforeId == null ? "" : beforeId, limit))) {
            out.add(ServiceWire.summary(o));
        }
        return out;
    }

    @Override
    public Cancelled cancel(String id, List<String> minions) throws ConfigException {
        return ServiceWire.cancelled(jobCall("overlord.cancel", id, minions.toArray()));
    }

    /** {@code overlord.liveness}; null from a service that has no heartbeat (an older one). */
    @Override
    public Map<String, jfunc.overlord.Liveness> liveness(List<String> names) throws ConfigException {
        Object wire;
        try {
            wire = jobCall(jfunc.overlord.heartbeat.LivenessWire.METHOD, (Object) names.toArray());
        } catch (IllegalStateException e) {
            return null;
        }
        Map<?, ?> m = ServiceWire.struct(wire);
        Map<String, jfunc.overlord.Liveness> out = new java.util.LinkedHashMap<>();
        names.forEach(n -> out.put(n, jfunc.overlord.heartbeat.LivenessWire.fromWire(n, m.get(n))));
        return out;
    }

    @Override
    public int purge(Instant cutoff) throws ConfigException {
        return (Integer) jobCall("overlord.purge", cutoff.toString());
    }

    @Override
    public void close() {
        rpc.close();
    }

    private Object jobCall(String method, Object... params) throws ConfigException {
        try {
            return call(method, params);
        } catch (TargetException | NoMatchException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** One call; faults become the exceptions the embedded overlord would have thrown. */
    private Object call(String method, Object... params) throws TargetException, NoMatchException, ConfigException {
        try {
            return rpc.call(method, params);
        } catch (XmlRpcException e) {
            switch (e.code) {
                case Faults.NO_MATCH -> throw new NoMatchException(e.getMessage());
                case Faults.BAD_TARGET -> throw new TargetException(e.getMessage());
                case Faults.CONFIG_ERROR -> throw new ConfigException(e.getMessage());
                case Faults.STORE_BUSY, Faults.STORE_UNUSABLE -> throw new StoreUnavailable(e.getMessage(), e.code == Faults.STORE_BUSY);
                case Faults.BAD_ARGUMENTS, Faults.UNKNOWN_JOB -> throw new IllegalArgumentException(e.getMessage());
                default -> throw new IllegalStateException("the overlord service: " + e.getMessage(), e);
            }
        } catch (SocketRpc.XmlRpcRefused e) {
            throw new ConfigException("the overlord service refused the call: " + e.getMessage());
        } catch (IOException e) {
            throw new ServiceGone(e.getMessage(), e);
        }
    }

}
