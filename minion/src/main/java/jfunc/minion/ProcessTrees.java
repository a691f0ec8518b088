package jfunc.minion;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** The minion's one process-tree killer: an OS process with all its descendants (SIGKILL on Unix). */
public final class ProcessTrees {
    private ProcessTrees() {}

    /**
     * Kills {@code root} and its descendants and waits briefly (5 s at most) for root to exit;
     * returns how many descendants were listed. The descendants are listed before anything is
     * killed (once a process dies its children are re-parented and no longer found through it), the
     * root is killed first (so a shell cannot start the next command of its script), then each
     * listed process after listing whatever it started in the meantime.
     */
    public static int kill(ProcessHandle root) {
        List<ProcessHandle> tree = root.descendants().toList();
        root.destroyForcibly();
        for (ProcessHandle p : tree) {
            List<ProcessHandle> late = p.descendants().toList();
            p.destroyForcibly();
            late.forEach(ProcessHandle::destroyForcibly);
        }
        try {
            root.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // gone, or stuck in the kernel: nothing more to do
        }
        return tree.size();
    }
}
