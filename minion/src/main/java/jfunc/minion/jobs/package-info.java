/**
 * The minion's async jobs: {@code async.MODULE.METHOD(args...)} and {@code jobs.*}, run detached
 * and recorded in the minion's status file (wire behaviour: docs/PROTOCOL.md, "Async jobs").
 *
 * <p>Flow of a submission ({@link jfunc.minion.jobs.Submissions}): validate (fault now, record
 * nothing) → reserve a place in the module's pool ({@link jfunc.minion.jobs.JobRunner}) → note the
 * QUEUED record and request_id ({@link jfunc.minion.jobs.JobLedger#admit}) → wait for the group
 * commit ({@link jfunc.minion.jobs.GroupCommitter}; a multicall waits once) → start → answer the id.
 * Every later transition goes through the one funnel {@link jfunc.minion.jobs.JobLedger#update}.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>RPC worker threads (the server's pool): validate, note records, wait for a commit, read
 *       records, and block in {@code jobs.wait} (at most {@code jobs.max_waiters} at once). They
 *       never run job work.
 *   <li>{@code job-MODULE-N}: one pool per module, at most {@code jobs.max_concurrent.MODULE}
 *       threads, created on demand and dropped when idle. They run the calls.
 *   <li>{@code job-watchdog}: fails jobs over {@code job_max_runtime}, kills their process trees,
 *       interrupts them.
 *   <li>{@code status-commit}: the only thread that writes MapDB (besides the purge) and commits.
 *   <li>{@code jobs-purge}: removes ended jobs older than {@code job_retention}.
 * </ul>
 *
 * <h2>Locks</h2>
 * There is no job-queue lock. Each {@link jfunc.minion.jobs.LiveJob} has its own monitor (a leaf:
 * held only to apply one transition and note the record, never while blocking). Waiters block on
 * the job's future with no lock. {@link jfunc.minion.jobs.WriteBehind} holds a read-write lock
 * whose write side the committer takes only to copy the notes (memory only), so that a new job
 * and its request_id reach the same commit. MapDB has its own internal locks; a commit may
 * briefly delay reads of records that are only in MapDB.
 *
 * <h2>Durability and visibility</h2>
 * An id is answered only once its QUEUED record is durable; a terminal state is shown only once
 * it is durable (until then the job shows RUNNING). So after {@code kill -9}: every job a client
 * saw end has that end; every other acknowledged job is LOST with a reason; none stays RUNNING.
 */
package jfunc.minion.jobs;
