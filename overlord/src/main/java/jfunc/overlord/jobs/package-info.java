/**
 * Async jobs on the overlord side: the durable job store ({@link jfunc.overlord.jobs.JobStore},
 * {@link jfunc.overlord.jobs.MapDbJobStore}) that maps one overlord job id to one minion job id
 * per minion and, once the job is FINISHED, keeps every minion's result.
 *
 * <p>Threads and locks: the store is opened for each operation and closed after its commit;
 * threads of one JVM queue on a per-file lock, processes on MapDB's file lock (bounded wait).
 * No lock is ever held across a remote call. {@link jfunc.overlord.jobs.MinionRecorder} batches
 * the fan-out's records (one writer at a time, a timer thread for the time bound).
 */
package jfunc.overlord.jobs;
