/**
 * Async jobs on the overlord side: the durable job store ({@link jfunc.overlord.jobs.JobStore},
 * {@link jfunc.overlord.jobs.MapDbJobStore}) that maps one overlord job id to one minion job id
 * per minion and, once the job is FINISHED, keeps every minion's result.
 *
 * <p>Threads and locks: the store is opened for each operation and closed after its commit.
 * The operations of one JVM run one at a time on a single store thread that is never
 * interrupted; processes take turns on an OS lock on {@code jobs.db.lock} (bounded wait, then
 * BUSY), with MapDB's own file lock as a second guard. No lock is ever held across a remote call.
 * {@link jfunc.overlord.jobs.MinionRecorder} batches a fan-out's records (its own thread writes;
 * fan-out threads only hand records over). {@link jfunc.overlord.jobs.AsyncJobs} is the flow;
 * {@code MinionReplies} reads what minions answer; {@code StoreFile} guards the file.
 */
package jfunc.overlord.jobs;
