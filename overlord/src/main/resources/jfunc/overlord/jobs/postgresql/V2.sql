-- jfunc job store, schema version 2: the services sharing the store and their leases.
-- A service renews its row every few seconds; one whose lease expired is not live, and the
-- minions it owned (rendezvous hashing over the live services' names) move to the others.
CREATE TABLE jfunc_services (
    name      text COLLATE "C" PRIMARY KEY,   -- host:state dir, stable across restarts
    host      text NOT NULL,
    pid       bigint NOT NULL,
    started   timestamptz NOT NULL,
    renewed   timestamptz NOT NULL,           -- the database's clock, not the service's
    expires   timestamptz NOT NULL
);
