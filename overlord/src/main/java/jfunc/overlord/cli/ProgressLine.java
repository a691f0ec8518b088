package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The progress line on stderr of a fan-out watched on a terminal:
 * {@code [ 12/100] 10 ok, 2 failed, 88 pending; slowest: web7 4.1s, web3 3.9s}. The slowest are
 * the pending minions whose calls started first. Drawn by one thread ({@link LiveOutput}'s);
 * not thread-safe.
 */
final class ProgressLine {
    /** How many of the slowest pending minions are named. */
    static final int SLOWEST = 3;

    private final java.io.PrintWriter err;
    private final int total;
    private final Map<String, Long> running = new LinkedHashMap<>();
    private int ok;
    private int failed;
    private long lastDraw;
    private boolean drawn;

    ProgressLine(java.io.PrintWriter err, int total) {
        this.err = err;
        this.total = total;
    }

    /** True when progress should be drawn: a terminal on stderr and more than one minion. */
    static boolean wanted(int total) {
        return System.console() != null && total > 1;
    }

    void started(String minion, long nanos) {
        running.put(minion, nanos);
    }

    void finished(String minion, boolean failedMinion) {
        running.remove(minion);
        if (failedMinion) {
            failed++;
        } else {
            ok++;
        }
    }

    /** Redraws, at most ten times a second unless {@code force}. */
    void draw(boolean force, long now) {
        if (!force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        err.print("\r" + text(now) + "\u001b[K");
        err.flush();
    }

    String text(long now) {
        int done = ok + failed;
        String t = Integer.toString(total);
        String d = Integer.toString(done);
        StringBuilder b = new StringBuilder("[").append(" ".repeat(Math.max(0, t.length() - d.length()))).append(d)
                .append('/').append(t).append("] ").append(ok).append(" ok, ").append(failed).append(" failed, ")
                .append(total - done).append(" pending");
        List<String> slow = new ArrayList<>();
        for (Map.Entry<String, Long> e : running.entrySet()) {
            if (slow.size() == SLOWEST) {
                break;
            }
            slow.add(e.getKey() + " " + String.format(java.util.Locale.ROOT, "%.1fs", (now - e.getValue()) / 1e9));
        }
        if (!slow.isEmpty()) {
            b.append("; slowest: ").append(String.join(", ", slow));
        }
        return b.toString();
    }

    /** Erases the line (before a result row is printed, and at the end). */
    void clear() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
            drawn = false;
        }
    }
}
