-- jfunc job store, schema version 3: the host of a job's submitting process. A reader on another
-- host cannot ask its kernel whether that process runs: it asks the leases (a live service on that
-- host with that pid is still submitting), so a job being fanned out is not taken for INCOMPLETE.
ALTER TABLE jfunc_jobs ADD COLUMN submitter_host text;
