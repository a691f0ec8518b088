package jfunc.minion.jobs;

import jfunc.minion.MinionExtension;
import jfunc.minion.MinionSettings;
import jfunc.minion.ModuleRegistry;

/**
 * Plugs async jobs into jfuncd (found with ServiceLoader): installs the jobs module, the async
 * route and the multicall batch scope ({@link Jobs#install}; the status file opens at start, in
 * the background); on close marks jobs still running LOST and closes the status file.
 */
public final class JobsExtension implements MinionExtension {
    private JobsAtStart jobs;

    @Override
    public void install(ModuleRegistry registry, MinionSettings settings) throws Exception {
        jobs = Jobs.install(registry, settings);
    }

    /** SIGHUP: the job pools take the new settings (a bad one throws and changes nothing). */
    @Override
    public void reload(MinionSettings settings) throws Exception {
        if (jobs != null) {
            jobs.reload(settings.config());
        }
    }

    @Override
    public void close() {
        if (jobs != null) {
            jobs.close();
            jobs = null;
        }
    }
}
