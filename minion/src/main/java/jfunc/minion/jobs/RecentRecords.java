package jfunc.minion.jobs;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import jfunc.common.job.JobRecord;

/**
 * The most recently written ended job records, so that polls for recent jobs (the common case:
 * {@code jobs.status_many} from the overlord) are answered without MapDB reads, which cost tens
 * of microseconds each. Bounded by count; records with big results are not kept. One writer
 * (the committer thread), any number of readers, no lock.
 */
final class RecentRecords {
    static final int MAX_RECORDS = 10_000;
    static final int MAX_RESULT_BYTES = 16 * 1024;

    private final ConcurrentHashMap<String, JobRecord> byId = new ConcurrentHashMap<>();
    private final ArrayDeque<String> order = new ArrayDeque<>(); // committer thread only

    JobRecord get(String id) {
        return byId.get(id);
    }

    /** Keeps an ended record just written to MapDB (committer thread only). */
    void add(JobRecord r, int encodedBytes) {
        if (!r.state().isTerminal() || encodedBytes > MAX_RESULT_BYTES) {
            byId.remove(r.id());
            return;
        }
        if (byId.put(r.id(), r) == null) {
            order.addLast(r.id());
            while (order.size() > MAX_RECORDS) {
                byId.remove(order.removeFirst());
            }
        }
    }

    /** Forgets a purged record (any thread; the stale id in {@code order} is harmless). */
    void remove(String id) {
        byId.remove(id);
    }
}
