package jfunc.minion.jobs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jfunc.common.job.JobRecord;

/**
 * The status file's changes not yet written into MapDB: the newest version of each changed job
 * record and new request_id claims. Writers only note here (memory, microseconds); the committer
 * thread moves everything into MapDB right before each commit, one write per job however many
 * transitions it went through. Readers look here first, then in MapDB.
 *
 * <p>Locks: a new job and its request_id claim are noted under the read side of {@code noting},
 * and the committer takes its write side only to snapshot the notes, so a claim and its job
 * always land in the same commit (a claim never becomes durable without its job). Claims of one
 * request_id are serialised by a striped monitor. Neither lock is held during I/O or waiting.
 */
final class WriteBehind {
    private final ConcurrentHashMap<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> requests = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock noting = new ReentrantReadWriteLock();
    private final Object[] claimLocks = new Object[64];

    WriteBehind() {
        for (int i = 0; i < claimLocks.length; i++) {
            claimLocks[i] = new Object();
        }
    }

    /** The noted version of a job, or null. */
    JobRecord job(String id) {
        return jobs.get(id);
    }

    Collection<JobRecord> jobs() {
        return jobs.values();
    }

    /** The job a not-yet-written claim ({@link JobRecord#claimKey}) points to, or null. */
    String request(String claimKey) {
        return requests.get(claimKey);
    }

    void note(JobRecord r) {
        jobs.put(r.id(), r);
    }

    /**
     * Notes a new job and, if it has one, its request_id claim, unless {@code written} (the
     * request index in MapDB) or an earlier note already has the claim: then returns the earlier
     * job id and notes nothing.
     */
    String noteNew(JobRecord queued, Map<String, String> written) {
        noting.readLock().lock();
        try {
            String rid = queued.claimKey();
            if (rid == null) {
                jobs.put(queued.id(), queued);
                return null;
            }
            synchronized (claimLocks[Math.floorMod(rid.hashCode(), claimLocks.length)]) {
                // the committer writes a claim into MapDB before it drops the note: one has it
                String earlier = requests.get(rid);
                if (earlier == null) {
                    earlier = written.get(rid);
                }
                if (earlier != null) {
                    return earlier;
                }
                jobs.put(queued.id(), queued);
                requests.put(rid, queued.id());
                return null;
            }
        } finally {
            noting.readLock().unlock();
        }
    }

    /** What the next commit writes: the notes as of now, jobs in id order. */
    record Snapshot(List<Map.Entry<String, JobRecord>> jobs, List<Map.Entry<String, String>> requests) {}

    Snapshot snapshot() {
        noting.writeLock().lock();
        try {
            List<Map.Entry<String, JobRecord>> j = new ArrayList<>(jobs.size());
            for (Map.Entry<String, JobRecord> e : jobs.entrySet()) {
                j.add(Map.entry(e.getKey(), e.getValue()));
            }
            List<Map.Entry<String, String>> r = new ArrayList<>(requests.size());
            for (Map.Entry<String, String> e : requests.entrySet()) {
                r.add(Map.entry(e.getKey(), e.getValue()));
            }
            // appending to the B-tree in key order splits far fewer nodes than hash order
            j.sort(Map.Entry.comparingByKey());
            return new Snapshot(j, r);
        } finally {
            noting.writeLock().unlock();
        }
    }

    /**
     * Writes a snapshot into the MapDB maps and drops each note that did not change meanwhile
     * (a newer version stays noted for the next commit). Committer thread only.
     */
    void writeInto(Snapshot s, Map<String, byte[]> jobMap, ConcurrentMap<String, String> requestMap,
                   RecentRecords recent) {
        for (Map.Entry<String, JobRecord> e : s.jobs()) {
            byte[] encoded = JobCodec.encode(e.getValue());
            jobMap.put(e.getKey(), encoded);
            recent.add(e.getValue(), encoded.length); // before the note goes: readers find one of them
            jobs.remove(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : s.requests()) {
            requestMap.put(e.getKey(), e.getValue());
            requests.remove(e.getKey(), e.getValue());
        }
    }
}
