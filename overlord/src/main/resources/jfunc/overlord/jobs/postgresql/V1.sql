-- jfunc job store, schema version 1 (applied by jfunc-overlord in one transaction).
-- Ids and minion names compare as bytes (COLLATE "C"): job ids sort by time, newest last.
-- Records are jfunc's versioned binary records (the same as in jobs.db), so a newer jfunc's
-- record is recognised instead of misread; the columns beside them are what queries need.
CREATE TABLE jfunc_jobs (
    id        text COLLATE "C" PRIMARY KEY,
    state     text NOT NULL,                  -- RUNNING, PARTIAL or FINISHED as stored
    summary   bytea NOT NULL,                 -- target, method, args, times, submitter, counts
    params    bytea                           -- the call's parameters while a minion awaits its submission
);
CREATE INDEX jfunc_jobs_state ON jfunc_jobs (state, id);

CREATE TABLE jfunc_minion_jobs (
    job_id    text COLLATE "C" NOT NULL REFERENCES jfunc_jobs (id) ON DELETE CASCADE,
    minion    text COLLATE "C" NOT NULL,
    state     text NOT NULL,                  -- SUBMITTING, WAITING, RUNNING, FINISHED, ...
    record    bytea NOT NULL,                 -- minion job id, result, error, last heard of
    PRIMARY KEY (job_id, minion)
);
-- the unfinished minion jobs of a minion (a service taking a share over)
CREATE INDEX jfunc_minion_jobs_unfinished ON jfunc_minion_jobs (minion, job_id)
    WHERE state IN ('SUBMITTING', 'WAITING', 'RUNNING');
