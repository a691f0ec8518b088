package jfunc.overlord.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jfunc.common.StateDir;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.jobs.RealMinions;

/**
 * Real minions (in this JVM) with two overlord state dirs: {@link #served}, which an in-process
 * jfunc-overlord serves, and {@link #alone}, for the CLI embedded. Close it after use.
 */
final class ServedFleet implements AutoCloseable {
    final RealMinions fleet;
    final StateDir served;
    final StateDir alone;
    final OverlordService service;

    /** Minions {@code names}; {@code counted}: through relays that count the calls they pass on. */
    ServedFleet(Path dir, List<String> names, boolean counted) throws Exception {
        fleet = new RealMinions(dir.resolve("fleet"));
        List<MinionAddress> all = new ArrayList<>();
        for (String name : names) {
            all.add(fleet.start(name, Map.of(), counted));
        }
        served = fleet.overlordState(dir.resolve("served"), all);
        alone = fleet.overlordState(dir.resolve("alone"), all);
        service = OverlordService.start(served, ServiceTest.settings());
    }

    @Override
    public void close() {
        service.close();
        fleet.close();
    }
}
