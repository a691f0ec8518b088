package jfunc.minion.jobs;

import java.util.List;

/** Kills an OS process together with all its descendants (SIGKILL on Unix). */
final class ProcessTrees {
    private ProcessTrees() {}

    static void kill(ProcessHandle root) {
        // List descendants before killing anything: once a process dies its children are
        // re-parented and no longer found through it. Kill the root first so that a shell cannot
        // start the next command of its script; then each listed process, after listing whatever
        // it started in the meantime.
        List<ProcessHandle> tree = root.descendants().toList();
        root.destroyForcibly();
        for (ProcessHandle p : tree) {
            List<ProcessHandle> late = p.descendants().toList();
            p.destroyForcibly();
            late.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
