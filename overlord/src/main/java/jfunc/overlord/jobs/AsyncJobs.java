package jfunc.overlord.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import jfunc.common.Ids;
import jfunc.common.job.JobProtocol;
import jfunc.common.rpc.CallError;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.Overlord;
import jfunc.overlord.OverlordApi.JobProgress;
import jfunc.overlord.OverlordApi.Submitted;
import jfunc.overlord.Selection;
import jfunc.overlord.jobs.MinionReplies.Pending;

/**
 * The async flow (seed {@code func-async-behind-the-scenes.txt}): submit a call to many minions
 * under one overlord job id, poll and aggregate, and answer a FINISHED job from the store alone.
 *
 * <ul>
 *   <li>{@link #submit}: the job is committed RUNNING before the fan-out; each minion gets
 *       {@code jobs.submit(JOBID/MINION, method, args)} (idempotent: a re-sent POST never runs it
 *       twice); minion job ids are recorded in batches as they arrive; then PARTIAL.
 *   <li>{@link #status}: asks only unfinished minions, one call per minion ({@code jobs.status},
 *       or {@code jobs.status_many} for several of its jobs), and records what changed; the store
 *       marks the job FINISHED when every minion is done. A job with nothing to ask costs no
 *       remote call and does not even build the TLS context.
 *   <li>{@link #await}: long polls ({@code jobs.wait}) on every pending minion at once, reporting
 *       each result as it arrives; never a tight loop.
 * </ul>
 * The overlord (identity, TLS, inventory) is built on first need from the supplier. Thread-safe.
 */
public final class AsyncJobs {
    static final int BATCH = 100;
    static final Duration BATCH_DELAY = Duration.ofMillis(200);
    /** Ids per {@code jobs.status_many} call; more wait for the next poll. */
    static final int MAX_IDS_PER_CALL = 100;
    /** The most a minion waits in one {@code jobs.wait} (its jobs.max_wait). */
    static final int MAX_WAIT_SECONDS = 300;
    /** A wait round that ends early with no progress is followed by a pause, doubling up to this. */
    static final Duration MAX_PAUSE = Duration.ofSeconds(10);
    /** Extra reply time beyond a long poll's wait. */
    static final Duration WAIT_SLACK = Duration.ofSeconds(15);
    /** The longest a follower waits for news of minions other services poll before it reads the job again. */
    static final Duration SHARE_NEWS_WAIT = Duration.ofSeconds(5);

    private final JobStore store;
    private final Supplier<Overlord> overlordSupplier;

    public AsyncJobs(JobStore store, Supplier<Overlord> overlord) {
        this.store = store;
        this.overlordSupplier = overlord;
    }

    public JobStore store() {
        return store;
    }

    /** The minions this process sends to and polls (all, unless several services share the store). */
    private volatile Predicate<String> mine = m -> true;

    /**
     * With several services sharing the store: this process submits, re-sends and polls only the
     * minions {@code share} says are its own; the others' owners do theirs (a submission left to
     * them is recorded {@link MinionJob#elsewhere}, due at once, with the job's request id).
     */
    public void share(Predicate<String> share) {
        mine = share;
    }

    /**
     * Submits {@code call} to every minion of {@code selection} as one job. Names the inventory
     * does not know become REMOTE_ERROR without a call. {@code deadline} (may be null): after it,
     * minions still unreachable at a poll are marked REMOTE_ERROR.
     */
    public Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener) {
        return submit(selection, call, deadline, listener, null);
    }

    /**
     * As {@link #submit(Selection, MethodCall, Instant, FanOutListener)}, as a rolling
     * {@code batch} (null: none): the first {@link jfunc.overlord.Batch#width} known minions are
     * submitted now, the others are WAITING; each {@link #status} and {@link #await} round
     * submits the next ones as minions finish ({@link #advance}), until the batch's failure limit
     * makes the rest NOT_STARTED.
     */
    public Submitted submit(Selection selection, MethodCall call, Instant deadline, FanOutListener listener,
                            jfunc.overlord.Batch batch) {
        FanOutListener l = listener == null ? FanOutListener.NONE : listener;
        String id = Ids.next();
        Instant now = Instant.now();
        Job job = Job.submitting(id, selection.target(), call.method(), MinionReplies.summarize(call.params()), now,
                deadline, selection.names());
        store.create(job, call.params()); // committed before any minion hears of it
        Map<String, MinionJob> outcomes = new ConcurrentHashMap<>();
        List<MinionAddress> firstBatch = selection.minions();
        if (batch != null) {
            int width = batch.width(selection.minions().size());
            firstBatch = selection.minions().subList(0, Math.min(width, selection.minions().size()));
            List<MinionJob> waiting = new ArrayList<>();
            MinionError turn = new MinionError("waiting", 0, batch.waiting(selection.minions().size()));
            for (MinionAddress a : selection.minions().subList(firstBatch.size(), selection.minions().size())) {
                MinionJob m = MinionJob.waiting(a.name(), turn);
                waiting.add(m);
                outcomes.put(a.name(), m);
            }
            if (!waiting.isEmpty()) {
                store.update(id, waiting, false); // before the first batch is sent: never sent twice
            }
        }
        Predicate<String> ours = mine;
        List<MinionAddress> first = firstBatch.stream().filter(a -> ours.test(a.name())).toList();
        List<MinionAddress> others = firstBatch.stream().filter(a -> !ours.test(a.name())).toList();
        Overlord o = overlord();
        try (MinionRecorder recorder = new MinionRecorder(store, id, BATCH, BATCH_DELAY)) {
            for (String name : selection.unknown()) {
                MinionJob m = MinionJob.failed(name, null, MinionError.of(Overlord.notInInventory(name).error()), now);
                outcomes.put(name, m);
                recorder.record(m);
            }
            for (MinionAddress a : others) {
                MinionJob m = MinionJob.elsewhere(a.name());
                outcomes.put(a.name(), m);
                recorder.record(m);
            }
            Object[] args = call.params().toArray();
            o.fanOut().call(first,
                    m -> MethodCall.of(JobProtocol.SUBMIT, MinionReplies.requestId(id, m.name()), call.method(), args),
                    o.fanOut().limits().timeout(), new FanOutListener() {
                        @Override
                        public void started(MinionAddress minion) {
                            l.started(minion);
                        }

                        @Override
                        public void finished(MinionResult r) {
                            MinionJob m = MinionReplies.submission(r);
                            outcomes.put(r.minion(), m);
                            recorder.record(m);
                            l.finished(r);
                        }
                    });
            JobSummary summary = recorder.finish(true);
            List<MinionJob> ordered = new ArrayList<>();
            for (String name : selection.names()) {
                MinionJob m = outcomes.get(name);
                if (m != null) {
                    ordered.add(m);
                }
            }
            return new Submitted(summary, ordered);
        }
    }

    /**
     * A sync call recorded as a job, as Salt's jid: the job is committed first, the call goes to
     * each minion directly (no minion job), each answer is recorded as it arrives. Returns after
     * every minion answered or {@code wait} passed, with what came, the job id and the minions
     * still running; those keep their call until {@code late} after the start, and their answers
     * are recorded too. Not re-sent: a minion that never answers ends REMOTE_ERROR. {@code listener}
     * hears of each call as it starts and ends (until {@code wait} passes).
     */
    public jfunc.overlord.CallResult recordCall(Overlord o, Selection selection, MethodCall call, Duration perBatch,
                                                Duration late, FanOutListener listener, jfunc.overlord.Batch batch) {
        String id = Ids.next();
        Instant now = Instant.now();
        // a rolling batch waits for its minions one batch after another
        Duration wait = batch == null ? perBatch : batch.span(selection.minions().size(), perBatch);
        Duration window = late.compareTo(wait) > 0 ? late : wait;
        store.create(Job.submitting(id, selection.target(), call.method(), MinionReplies.summarize(call.params()), now,
                now.plus(window), selection.names()), null);
        Map<String, MinionResult> answers = new ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(selection.names().size());
        MinionRecorder recorder = new MinionRecorder(store, id, BATCH, BATCH_DELAY);
        FanOutListener collect = new FanOutListener() {
            @Override
            public void started(MinionAddress minion) {
                listener.started(minion);
            }

            @Override
            public void finished(MinionResult r) {
                answers.put(r.minion(), r);
                listener.finished(r);
                recorder.record(r.ok() ? MinionJob.finished(r.minion(), null, r.value() == null ? "" : r.value(), Instant.now())
                        : r.error().kind() == CallError.Kind.NOT_STARTED
                        ? MinionJob.notStarted(r.minion(), MinionError.of(r.error()), Instant.now())
                        : MinionJob.failed(r.minion(), null, MinionError.of(r.error()), Instant.now()));
                all.countDown();
            }
        };
        Thread caller = new Thread(() -> {
            try {
                o.call(selection, call, batch == null ? window : perBatch, collect, batch);
            } finally {
                recorder.finish(true);
            }
        }, "recorded-call-" + id);
        caller.setDaemon(true);
        caller.start();
        try {
            all.await(wait.toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<MinionResult> results = new ArrayList<>();
        List<String> running = new ArrayList<>();
        for (String name : selection.names()) {
            MinionResult r = answers.get(name);
            if (r != null) {
                results.add(r);
            } else {
                running.add(name);
            }
        }
        if (running.isEmpty()) {
            try {
                caller.join(); // its last records are committed before the caller reads the job
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new jfunc.overlord.CallResult(call.method(), results, id, running);
    }

    /**
     * The jobs with fresh news from their unfinished minions (unknown ids are left out). Poll
     * errors stay on the minion's record; the job is FINISHED once every minion is done.
     */
    public Map<String, Job> status(List<String> ids) {
        Map<String, Job> jobs = settle(store.getAll(ids));
        if (advance(jobs.values())) {
            jobs = store.getAll(ids);
        }
        if (resubmit(jobs.values())) {
            jobs = store.getAll(ids);
        }
        Map<String, List<Pending>> byMinion = pendingByMinion(jobs.values());
        if (byMinion.isEmpty()) {
            return jobs; // nothing to ask: no remote call, no TLS context
        }
        Overlord o = overlord();
        Map<String, List<MinionJob>> updates = new ConcurrentHashMap<>();
        Instant now = Instant.now();
        List<MinionAddress> addresses = addresses(o, byMinion, (minion, pending) -> {
            CallError error = Overlord.notInInventory(minion).error();
            for (Pending p : pending) {
                updates.computeIfAbsent(p.jobId(), k -> new ArrayList<>()).add(MinionReplies.fromError(p, error, now));
            }
        });
        o.fanOut().call(addresses, m -> statusCall(byMinion.get(m.name())), o.fanOut().limits().timeout(),
                new FanOutListener() {
                    @Override
                    public void finished(MinionResult r) {
                        for (MinionJob m : MinionReplies.interpret(byMinion.get(r.minion()), r, Instant.now())) {
                            updates.computeIfAbsent(jobIdOf(byMinion.get(r.minion()), m), k -> new ArrayList<>()).add(m);
                        }
                    }
                });
        for (Map.Entry<String, List<MinionJob>> e : updates.entrySet()) {
            store.update(e.getKey(), e.getValue(), false);
        }
        return store.getAll(ids);
    }

    /**
     * Waits up to {@code timeout} for job {@code id} to finish, with long polls on every pending
     * minion in parallel; {@code progress} hears of each minion as it becomes done. Returns the
     * job as it then stands (FINISHED or not); throws IllegalArgumentException for an unknown id.
     */
    public Job await(String id, Duration timeout, JobProgress progress) {
        long end = System.nanoTime() + timeout.toNanos();
        Duration pause = Duration.ofSeconds(1);
        Job job = current(id);
        while (true) {
            if (job.state() == JobState.FINISHED) {
                return job;
            }
            long remaining = end - System.nanoTime();
            if (remaining <= 0) {
                return job;
            }
            if (advance(List.of(job)) || resubmit(List.of(job))) {
                job = current(id);
                continue;
            }
            Instant nextResend = nextResubmission(job, mine);
            Map<String, List<Pending>> byMinion = pendingByMinion(List.of(job));
            if (byMinion.isEmpty()) {
                // re-sends wait for their backoff; or another process is still submitting, and its
                // records appear in the store in batches
                long nap = nextResend == null ? BATCH_DELAY.toNanos() * 2
                        : Math.max(BATCH_DELAY.toNanos(), Duration.between(Instant.now(), nextResend).toNanos());
                if (nextResend == null && job.unfinished().stream().anyMatch(m -> !mine.test(m.minion()))) {
                    // the rest is other services' share: their news wakes this (NOTIFY), else a poll's length
                    store.awaitChange(id, Duration.ofNanos(Math.min(remaining, SHARE_NEWS_WAIT.toNanos())));
                } else {
                    sleep(Math.min(remaining, nap));
                }
                job = current(id);
                continue;
            }
            if (nextResend != null) {
                // a long poll must not hold back the next re-send
                remaining = Math.min(remaining, Math.max(1_000_000_000L, Duration.between(Instant.now(), nextResend).toNanos()));
            }
            Overlord o = overlord();
            int before = job.unfinished().size();
            long roundStart = System.nanoTime();
            int seconds = (int) Math.max(1, Math.min(MAX_WAIT_SECONDS, Duration.ofNanos(remaining).toSeconds()));
            if (job.summary().count(MinionState.WAITING) > 0) {
                seconds = Math.min(seconds, BATCH_TURN_SECONDS); // the next of a rolling batch starts soon after one ends
            }
            if (byMinion.size() > o.fanOut().limits().forks()) {
                // long polls would hold every fork: ask with short calls instead, then pause
                Map<String, MinionState> was = states(job);
                job = status(List.of(id)).get(id);
                reportNewlyDone(was, job, progress);
            } else {
                waitRound(o, job, byMinion, seconds, progress);
                job = current(id);
            }
            boolean progressed = job.unfinished().size() < before;
            long roundNanos = System.nanoTime() - roundStart;
            if (!progressed && roundNanos < Duration.ofSeconds(seconds).toNanos() - 500_000_000L) {
                // the round ended early without news (minions unreachable or busy): do not spin
                sleep(Math.min(end - System.nanoTime(), pause.toNanos()));
                pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            } else if (progressed) {
                pause = Duration.ofSeconds(1);
            }
        }
    }

    private void waitRound(Overlord o, Job job, Map<String, List<Pending>> byMinion, int seconds,
                           JobProgress progress) {
        Instant now = Instant.now();
        try (MinionRecorder recorder = new MinionRecorder(store, job.id(), BATCH, BATCH_DELAY)) {
            List<MinionAddress> addresses = addresses(o, byMinion, (minion, pending) -> {
                MinionJob m = MinionReplies.fromError(pending.get(0), Overlord.notInInventory(minion).error(), now);
                recorder.record(m);
                report(m, progress);
            });
            o.fanOut().call(addresses, m -> MethodCall.of(JobProtocol.WAIT, byMinion.get(m.name()).get(0).minion().jobId(), seconds),
                    Duration.ofSeconds(seconds).plus(WAIT_SLACK), new FanOutListener() {
                        @Override
                        public void finished(MinionResult r) {
                            for (MinionJob m : MinionReplies.interpret(byMinion.get(r.minion()).subList(0, 1), r, Instant.now())) {
                                recorder.record(m);
                                report(m, progress);
                            }
                        }
                    });
            recorder.finish(false);
        }
    }

    /** The inventory addresses of the minions in {@code byMinion}; {@code missing} hears of each one not in it. */
    private static List<MinionAddress> addresses(Overlord o, Map<String, List<Pending>> byMinion,
                                                 BiConsumer<String, List<Pending>> missing) {
        List<MinionAddress> addresses = new ArrayList<>();
        for (Map.Entry<String, List<Pending>> e : byMinion.entrySet()) {
            var address = o.inventory().find(e.getKey());
            if (address.isPresent()) {
                addresses.add(address.get());
            } else {
                missing.accept(e.getKey(), e.getValue());
            }
        }
        return addresses;
    }

    private static void report(MinionJob m, JobProgress progress) {
        if (m.state().isDone() && progress != null) {
            try {
                progress.done(m);
            } catch (RuntimeException e) {
                // a printer must not break the wait
            }
        }
    }

    private static void reportNewlyDone(Map<String, MinionState> was, Job now, JobProgress progress) {
        for (MinionJob m : now.minions()) {
            MinionState before = was.get(m.minion());
            if (m.state().isDone() && before != null && !before.isDone()) {
                report(m, progress);
            }
        }
    }

    private static Map<String, MinionState> states(Job job) {
        Map<String, MinionState> out = new HashMap<>();
        for (MinionJob m : job.minions()) {
            out.put(m.minion(), m.state());
        }
        return out;
    }

    private Job current(String id) {
        Map<String, Job> jobs = settle(store.getAll(List.of(id)));
        Job job = jobs.get(id);
        if (job == null) {
            throw new IllegalArgumentException("no job " + id + " in " + describe(store));
        }
        return job;
    }

    /**
     * A job whose submitter died mid fan-out (INCOMPLETE) is settled: minions without a recorded
     * job id become LOST (whether they got the call is unknown) and the fan-out is declared over.
     */
    private Map<String, Job> settle(Map<String, Job> jobs) {
        Map<String, Job> out = new LinkedHashMap<>(jobs);
        Instant now = Instant.now();
        for (Job job : jobs.values()) {
            if (job.state() != JobState.INCOMPLETE) {
                continue;
            }
            List<MinionJob> lost = new ArrayList<>();
            boolean resendable = store.params(job.id()).isPresent();
            String why = "submission interrupted: the overlord process " + job.summary().submitter().pid()
                    + " ended before this minion's job id was recorded";
            for (MinionJob m : job.minions()) {
                if (m.state() == MinionState.SUBMITTING && resendable) {
                    // re-sent with the same request id: a minion that did get it runs nothing twice
                    lost.add(m.awaitsResubmission() ? m : MinionJob.notSubmitted(m.minion(),
                            new MinionError("interrupted", 0, why), null));
                } else if (m.state() == MinionState.SUBMITTING) {
                    lost.add(MinionJob.lost(m.minion(), null, why, now));
                }
            }
            store.update(job.id(), lost, true);
            out.put(job.id(), store.get(job.id()).orElseThrow());
        }
        return out;
    }

    /**
     * Re-sends the submissions that did not arrive (timed out, unreachable, interrupted) whose
     * backoff has passed, with their first request id; one per minion per round. A minion whose
     * job deadline has passed becomes REMOTE_ERROR with its last error. Returns whether anything
     * was recorded.
     */
    private boolean resubmit(Collection<Job> jobs) {
        Instant now = Instant.now();
        Map<String, List<MinionJob>> updates = new LinkedHashMap<>();
        Map<String, Resend> byMinion = new LinkedHashMap<>();
        for (Job job : jobs) {
            if (job.state() == JobState.FINISHED || job.summary().submitter() != null) {
                continue; // a submitter still fanning out sends its own
            }
            List<Object> params = null;
            Predicate<String> ours = mine;
            for (MinionJob m : job.minions()) {
                if (!m.awaitsResubmission() || !ours.test(m.minion())
                        || (m.updated() != null && now.isBefore(dueAt(job.summary(), m)))) {
                    continue;
                }
                Instant deadline = job.summary().deadline();
                if (deadline != null && now.isAfter(deadline)) {
                    updates.computeIfAbsent(job.id(), k -> new ArrayList<>()).add(MinionJob.failed(m.minion(), null,
                            new MinionError(m.error().kind(), m.error().code(), m.error().message()
                                    + " (re-sent until the job's deadline " + deadline + ", which has passed)"), now));
                    continue;
                }
                if (params == null) {
                    params = store.params(job.id()).orElse(null);
                    if (params == null) {
                        updates.computeIfAbsent(job.id(), k -> new ArrayList<>()).add(MinionJob.failed(m.minion(), null,
                                m.error(), now));
                        continue;
                    }
                }
                if (!byMinion.containsKey(m.minion())) {
                    byMinion.put(m.minion(), new Resend(job.id(), job.summary().method(), params));
                }
            }
        }
        if (!byMinion.isEmpty()) {
            Overlord o = overlord();
            List<MinionAddress> addresses = new ArrayList<>();
            for (Map.Entry<String, Resend> e : byMinion.entrySet()) {
                var address = o.inventory().find(e.getKey());
                if (address.isPresent()) {
                    addresses.add(address.get());
                } else {
                    updates.computeIfAbsent(e.getValue().jobId(), k -> new ArrayList<>()).add(MinionJob.failed(e.getKey(),
                            null, MinionError.of(Overlord.notInInventory(e.getKey()).error()), now));
                }
            }
            Map<String, MinionJob> sent = new ConcurrentHashMap<>();
            o.fanOut().call(addresses, m -> {
                Resend r = byMinion.get(m.name());
                return MethodCall.of(JobProtocol.SUBMIT, MinionReplies.requestId(r.jobId(), m.name()), r.method(),
                        r.params().toArray());
            }, o.fanOut().limits().timeout(), new FanOutListener() {
                @Override
                public void finished(MinionResult r) {
                    sent.put(r.minion(), MinionReplies.submission(r));
                }
            });
            sent.forEach((minion, m) -> updates.computeIfAbsent(byMinion.get(minion).jobId(), k -> new ArrayList<>()).add(m));
        }
        for (Map.Entry<String, List<MinionJob>> e : updates.entrySet()) {
            store.update(e.getKey(), e.getValue(), false);
        }
        return !updates.isEmpty();
    }

    private record Resend(String jobId, String method, List<Object> params) {}

    /** See {@link jfunc.overlord.OverlordApi#cancel}. */
    public jfunc.overlord.OverlordApi.Cancelled cancel(String id, List<String> patterns) {
        Job job = current(id);
        List<MinionJob> chosen = chosen(job, patterns);
        Map<String, String> said = new LinkedHashMap<>();
        if (job.state() == JobState.FINISHED) {
            return new jfunc.overlord.OverlordApi.Cancelled(job, said, true);
        }
        Instant now = Instant.now();
        String who = "cancelled by the overlord at " + now;
        List<MinionJob> updates = new ArrayList<>();
        Map<String, MinionJob> running = new LinkedHashMap<>();
        for (MinionJob m : chosen) {
            if (m.state().isDone()) {
                said.put(m.minion(), "already " + m.state().name().toLowerCase(java.util.Locale.ROOT) + "; nothing changed");
            } else if (m.state() == MinionState.RUNNING && m.jobId() != null) {
                running.put(m.minion(), m);
            } else if (m.state() == MinionState.WAITING || m.awaitsResubmission()) {
                updates.add(MinionJob.cancelled(m.minion(), null, who + " before it was submitted"
                        + (m.awaitsResubmission() ? " (its submission may have arrived: it was not confirmed)" : ""), now));
                said.put(m.minion(), "cancelled before it was submitted");
            } else {
                said.put(m.minion(), "still being submitted by process " + (job.summary().submitter() == null ? "?"
                        : job.summary().submitter().pid()) + "; cancel again in a moment");
            }
        }
        if (!running.isEmpty()) {
            Overlord o = overlord();
            List<MinionAddress> addresses = new ArrayList<>();
            for (String name : running.keySet()) {
                o.inventory().find(name).ifPresentOrElse(addresses::add,
                        () -> said.put(name, "not cancelled: " + Overlord.notInInventory(name).error().message()));
            }
            o.fanOut().call(addresses, m -> MethodCall.of(JobProtocol.CANCEL, running.get(m.name()).jobId()),
                    o.fanOut().limits().timeout(), new FanOutListener() {
                        @Override
                        public void finished(MinionResult r) {
                            MinionJob m = running.get(r.minion());
                            if (!r.ok()) {
                                said.put(r.minion(), "not cancelled: " + r.error().label() + ": " + r.error().message()
                                        + " (it may still be running there)");
                                return;
                            }
                            try {
                                jfunc.common.job.CancelReply reply = jfunc.common.job.CancelReply.fromWire(r.value());
                                if (reply.cancelled()) {
                                    synchronized (updates) {
                                        updates.add(MinionJob.cancelled(m.minion(), m.jobId(), reply.message(), Instant.now()));
                                    }
                                    said.put(r.minion(), "cancelled (" + reply.message() + ")");
                                } else {
                                    // it ended on its own: the next poll records how (its result, if any)
                                    said.put(r.minion(), "already " + reply.state().name().toLowerCase(java.util.Locale.ROOT)
                                            + " on the minion; nothing changed");
                                }
                            } catch (IllegalArgumentException e) {
                                said.put(r.minion(), "not cancelled: " + e.getMessage());
                            }
                        }
                    });
        }
        if (!updates.isEmpty()) {
            store.update(id, updates, false);
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (MinionJob m : chosen) {
            ordered.put(m.minion(), said.get(m.minion()));
        }
        Job after = status(List.of(id)).get(id); // records how the others ended meanwhile
        return new jfunc.overlord.OverlordApi.Cancelled(after, ordered, false);
    }

    /** The job's minions that {@code patterns} names (names or globs, ';' lists allowed; none: all). */
    private static List<MinionJob> chosen(Job job, List<String> patterns) {
        if (patterns == null || patterns.isEmpty()) {
            return job.minions();
        }
        List<MinionJob> out = new ArrayList<>();
        for (String text : patterns) {
            for (String p : text.split(";")) {
                String pattern = p.strip();
                if (pattern.isEmpty()) {
                    continue;
                }
                jfunc.common.Glob glob = jfunc.common.Glob.of(pattern);
                List<MinionJob> matched = job.minions().stream().filter(m -> glob.matches(m.minion())).toList();
                if (matched.isEmpty()) {
                    throw new IllegalArgumentException("minion '" + pattern + "' is not part of job " + job.id()
                            + " (its minions: " + names(job) + ")");
                }
                matched.stream().filter(m -> !out.contains(m)).forEach(out::add);
            }
        }
        return out;
    }

    private static String names(Job job) {
        List<String> n = job.minions().stream().map(MinionJob::minion).toList();
        return n.size() <= 10 ? String.join(", ", n) : String.join(", ", n.subList(0, 10)) + ", ... (" + n.size() + ")";
    }

    /** The longest wait round of a job with WAITING minions: a place freed is filled within it. */
    static final int BATCH_TURN_SECONDS = 2;

    /**
     * Rolling batches: for each job with WAITING minions, hands the places that minions freed
     * (fewer than the batch's width SUBMITTING or RUNNING) to the next WAITING ones, in job order,
     * as submissions due now ({@link #resubmit} sends them with the job's request ids); once the
     * batch's failure limit is reached, every WAITING minion becomes NOT_STARTED with the reason.
     * Returns whether anything was recorded.
     */
    private boolean advance(Collection<Job> jobs) {
        boolean changed = false;
        for (Job job : jobs) {
            if (job.state() == JobState.FINISHED || job.summary().submitter() != null
                    || job.summary().count(MinionState.WAITING) == 0) {
                continue;
            }
            List<MinionJob> waiting = job.minions().stream().filter(m -> m.state() == MinionState.WAITING).toList();
            Map.Entry<jfunc.overlord.Batch, Integer> spec = jfunc.overlord.Batch.ofWaiting(waiting.get(0).error().message());
            List<MinionJob> updates = new ArrayList<>();
            if (spec == null) {
                for (MinionJob m : waiting) { // written by another version: never left waiting for ever
                    updates.add(MinionJob.notStarted(m.minion(), new MinionError("not_started", 0,
                            "not started: its rolling batch cannot be read (" + m.error().message() + ")"), Instant.now()));
                }
            } else {
                jfunc.overlord.Batch batch = spec.getKey();
                int failures = 0;
                int inFlight = 0;
                for (MinionJob m : job.minions()) {
                    if (m.state() == MinionState.SUBMITTING || m.state() == MinionState.RUNNING) {
                        inFlight++;
                    } else if (m.state().isFailure() || (m.state() == MinionState.FINISHED
                            && batch.exits().failed(job.summary().method(), m.result()))) {
                        failures++;
                    }
                }
                if (batch.stops(failures)) {
                    for (MinionJob m : waiting) {
                        updates.add(MinionJob.notStarted(m.minion(),
                                MinionError.of(batch.notStarted(m.minion(), failures).error()), Instant.now()));
                    }
                } else {
                    int free = Math.max(0, spec.getValue() - inFlight);
                    for (MinionJob m : waiting.subList(0, Math.min(free, waiting.size()))) {
                        updates.add(MinionJob.notSubmitted(m.minion(), new MinionError("waiting", 0,
                                "its turn in the rolling batch came"), null));
                    }
                }
            }
            if (!updates.isEmpty()) {
                store.update(job.id(), updates, false);
                changed = true;
            }
        }
        return changed;
    }

    /** Backoff between re-sends: the time since submission, between 1 s and 60 s (so about doubling). */
    static final Duration MIN_RESEND = Duration.ofSeconds(1);
    static final Duration MAX_RESEND = Duration.ofSeconds(60);

    private static Instant dueAt(JobSummary job, MinionJob m) {
        Duration since = Duration.between(job.submitted(), m.updated());
        Duration backoff = since.compareTo(MIN_RESEND) < 0 ? MIN_RESEND : since.compareTo(MAX_RESEND) > 0 ? MAX_RESEND : since;
        return m.updated().plus(backoff);
    }

    /** When the next re-send of this job is due (now when one is overdue), or null when none waits. */
    public static Instant nextResubmission(Job job) {
        return nextResubmission(job, m -> true);
    }

    /** As {@link #nextResubmission(Job)}, of the minions {@code ours} accepts. */
    static Instant nextResubmission(Job job, Predicate<String> ours) {
        if (job.state() == JobState.FINISHED || job.summary().submitter() != null) {
            return null;
        }
        Instant next = null;
        for (MinionJob m : job.minions()) {
            if (m.awaitsResubmission() && ours.test(m.minion())) {
                Instant due = m.updated() == null ? Instant.now() : dueAt(job.summary(), m);
                next = next == null || due.isBefore(next) ? due : next;
            }
        }
        return next;
    }

    private Map<String, List<Pending>> pendingByMinion(Collection<Job> jobs) {
        Predicate<String> ours = mine;
        Map<String, List<Pending>> byMinion = new LinkedHashMap<>();
        for (Job job : jobs) {
            if (job.state() == JobState.FINISHED) {
                continue;
            }
            for (MinionJob m : job.minions()) {
                if (m.state() == MinionState.RUNNING && m.jobId() != null && ours.test(m.minion())) {
                    List<Pending> list = byMinion.computeIfAbsent(m.minion(), k -> new ArrayList<>());
                    if (list.size() < MAX_IDS_PER_CALL) {
                        list.add(new Pending(job.id(), job.summary().method(), m, job.summary().deadline()));
                    }
                }
            }
        }
        return byMinion;
    }

    private static MethodCall statusCall(List<Pending> pending) {
        if (pending.size() == 1) {
            return MethodCall.of(JobProtocol.STATUS, pending.get(0).minion().jobId());
        }
        return MethodCall.of(JobProtocol.STATUS_MANY, (Object) pending.stream().map(p -> p.minion().jobId()).toArray());
    }

    private static String jobIdOf(List<Pending> pending, MinionJob m) {
        for (Pending p : pending) {
            if (p.minion().jobId().equals(m.jobId())) {
                return p.jobId();
            }
        }
        throw new IllegalStateException("no pending job for " + m);
    }

    /** Asked each time (a long-lived caller may swap the overlord after a re-read); opened on first need. */
    private Overlord overlord() {
        return overlordSupplier.get();
    }

    private static String describe(JobStore store) {
        return store.name();
    }

    private static void sleep(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for job news", e);
        }
    }
}
