package jfunc.overlord.service;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Config.ConfigException;
import jfunc.common.ExitCodes;
import jfunc.common.StateDir;
import jfunc.overlord.Inventory;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.JobStore;
import jfunc.overlord.jobs.JobStoreException;
import jfunc.overlord.jobs.JobStores;
import jfunc.overlord.jobs.PostgresJobStore;

/**
 * {@code jfunc-overlord --status}: the services sharing a PostgreSQL job store as their lease rows
 * say, and how the inventory's minions split among the live ones (the same rendezvous hashing
 * the services use). A table on stdout; diagnostics on stderr.
 */
final class FleetStatus {
    private FleetStatus() {}

    static int print(StateDir state, JobStores.Choice choice, PrintStream out) throws ConfigException {
        if (!choice.shared()) {
            throw new ConfigException("job_store is not a postgresql:// URL: this service keeps its jobs in "
                    + state.overlord().resolve("jobs.db") + " and shares them with no other service");
        }
        JobStore store;
        try {
            store = JobStores.open(state, false, choice);
        } catch (JobStoreException e) {
            throw new ConfigException(JobStores.SETTING + ": " + e.getMessage());
        }
        try {
            List<PostgresJobStore.Member> members = ((PostgresJobStore) store).members();
            List<String> live = members.stream().filter(PostgresJobStore.Member::live).map(PostgresJobStore.Member::name).toList();
            Map<String, Integer> shares = new LinkedHashMap<>();
            int minions = 0;
            try {
                for (MinionAddress m : Inventory.load(state).minions()) {
                    minions++;
                    if (!live.isEmpty()) {
                        shares.merge(Rendezvous.owner(m.name(), live), 1, Integer::sum);
                    }
                }
            } catch (ConfigException e) {
                System.err.println("jfunc-overlord: the inventory of " + state.root() + " cannot be read, shares not shown: "
                        + e.getMessage());
            }
            Instant now = Instant.now();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"SERVICE", "STATE", "MINIONS", "LAST RENEWAL", "HOST", "PID", "STARTED"});
            for (PostgresJobStore.Member m : members) {
                rows.add(new String[] {m.name(), m.live() ? "live" : "expired", m.live() ? Integer.toString(shares.getOrDefault(m.name(), 0)) : "-",
                        jfunc.overlord.Liveness.Times.at(m.renewed()) + " (" + ago(Duration.between(m.renewed(), now)) + ")",
                        m.host(), Long.toString(m.pid()), jfunc.overlord.Liveness.Times.at(m.started())});
            }
            int[] width = new int[rows.get(0).length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    b.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
                }
                out.println(b.toString().stripTrailing());
            }
            System.err.println(live.size() + " live service(s) share " + store.name() + "; " + minions + " minion(s) in the"
                    + " inventory of " + state.root());
            return ExitCodes.OK;
        } finally {
            store.close();
        }
    }

    private static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
    }
}
