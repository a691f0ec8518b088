package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MinionResult;

/**
 * A one-line progress counter on stderr ({@code [ 12/100] 1 failed}), redrawn at most ten times
 * a second, for fan-outs watched on a terminal. Never used when stderr is not a terminal.
 */
final class ProgressLine implements FanOutListener {
    private final PrintWriter err;
    private final int total;
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private long lastDraw;
    private boolean drawn;

    private ProgressLine(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
    }

    /** A progress line when a terminal is attached and the fan-out is wider than one, else nothing. */
    static FanOutListener forTerminal(PrintWriter err, int total) {
        return System.console() != null && total > 1 ? new ProgressLine(err, total) : FanOutListener.NONE;
    }

    @Override
    public void finished(MinionResult result) {
        int d = done.incrementAndGet();
        if (!result.ok()) {
            failed.incrementAndGet();
        }
        draw(d == total);
    }

    private synchronized void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        int f = failed.get();
        err.print("\r[" + pad(done.get()) + "/" + total + "]" + (f > 0 ? " " + f + " failed" : "") + "\u001b[K");
        err.flush();
    }

    private String pad(int n) {
        String s = Integer.toString(n);
        String t = Integer.toString(total);
        return " ".repeat(Math.max(0, t.length() - s.length())) + s;
    }

    /** Erases the line before results are printed. */
    synchronized void clear() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
