package jfunc.overlord.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jfunc.common.Ids;
import jfunc.overlord.CallResult;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;

/**
 * Sync calls whose rows the caller reads as they come ({@code overlord.call_start}, then
 * {@code overlord.call_next} long polls): each call runs on a thread of its own and keeps, in
 * arrival order, the minions it started and the results it got, until its caller took the final
 * answer (or {@link #FORGET_AFTER} after it ended, when the caller went away).
 */
final class LiveCalls implements AutoCloseable {
    static final long FORGET_AFTER = TimeUnit.MINUTES.toNanos(5);

    /** The body of a call: runs the fan-out, telling {@code listener} of each minion. */
    interface Body {
        CallResult run(FanOutListener listener) throws Exception;
    }

    /** What a call_next answers: news since what the caller has seen, and the end once there is one. */
    record News(List<String> started, List<MinionResult> finished, CallResult result) {}

    private static final class Live implements FanOutListener {
        final List<String> started = new ArrayList<>();
        final List<MinionResult> finished = new ArrayList<>();
        CallResult result;
        Exception failure;
        long endedAt;

        @Override
        public synchronized void started(MinionAddress minion) {
            started.add(minion.name());
            notifyAll();
        }

        @Override
        public synchronized void finished(MinionResult r) {
            finished.add(r);
            notifyAll();
        }

        synchronized void end(CallResult r, Exception e) {
            result = r;
            failure = e;
            endedAt = System.nanoTime();
            notifyAll();
        }

        boolean ended() {
            return result != null || failure != null;
        }
    }

    private final Map<String, Live> calls = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "live-call");
        t.setDaemon(true);
        return t;
    });

    /** Starts {@code body} and returns its handle at once. */
    String start(Body body) {
        forgetAbandoned();
        String handle = Ids.next();
        Live live = new Live();
        calls.put(handle, live);
        threads.execute(() -> {
            try {
                live.end(body.run(live), null);
            } catch (Exception e) {
                live.end(null, e);
            } catch (Error e) {
                live.end(null, new IllegalStateException(e.toString(), e));
                throw e;
            }
        });
        return handle;
    }

    /**
     * What call {@code handle} has beyond the first {@code startedSeen} starts and
     * {@code finishedSeen} results, waiting up to {@code wait} for something new. The final
     * answer comes once the caller has seen every result; the call is then forgotten. A call that
     * failed throws its exception (once).
     */
    News next(String handle, int startedSeen, int finishedSeen, Duration wait) throws Exception {
        Live live = calls.get(handle);
        if (live == null) {
            throw new IllegalArgumentException("no call " + handle + " (it ended more than 5 min ago, or another service ran it)");
        }
        long end = System.nanoTime() + wait.toNanos();
        synchronized (live) {
            while (live.started.size() <= startedSeen && live.finished.size() <= finishedSeen && !live.ended()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                live.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            List<String> started = List.copyOf(live.started.subList(Math.min(startedSeen, live.started.size()), live.started.size()));
            List<MinionResult> finished = List.copyOf(
                    live.finished.subList(Math.min(finishedSeen, live.finished.size()), live.finished.size()));
            if (live.failure != null) {
                calls.remove(handle);
                throw live.failure;
            }
            CallResult result = live.result;
            if (result != null) {
                calls.remove(handle);
            }
            return new News(started, finished, result);
        }
    }

    /** Calls in progress or not yet collected (a metric). */
    int live() {
        return calls.size();
    }

    private void forgetAbandoned() {
        long now = System.nanoTime();
        for (Iterator<Live> it = calls.values().iterator(); it.hasNext(); ) {
            Live l = it.next();
            synchronized (l) {
                if (l.ended() && now - l.endedAt > FORGET_AFTER) {
                    it.remove();
                }
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
