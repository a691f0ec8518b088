package jfunc.overlord.cli;

import java.io.PrintWriter;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jfunc.overlord.CommandExits;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;

/**
 * What a user sees while a fan-out runs: result rows on stdout as minions answer (when
 * streaming) and the progress line on stderr (on a terminal). Fan-out threads only enqueue
 * events; one printer thread writes, so a slow terminal or pipe never holds up a call.
 * {@link #close()} prints what is left and erases the progress line.
 */
final class LiveOutput implements FanOutListener, AutoCloseable {
    private record Event(String started, long nanos, MinionResult finished) {}

    private static final Event END = new Event(null, 0, null);

    private final String method;
    private final CommandExits exits;
    private final ResultTable.Style style;
    private final int nameWidth;
    private final PrintWriter out;
    private final java.util.function.UnaryOperator<MinionResult> located;
    private final boolean stream;
    private final ProgressLine progress;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread printer;
    private final PrintWriter err;
    /** A rolling batch to announce ("batch k of m" as its first minion starts), or null. */
    private volatile jfunc.overlord.Batch batch;
    private int batchMinions;
    private int startedCount;

    /**
     * @param stream   print rows as they come (else only progress)
     * @param total    how many minions answer
     * @param nameWidth MINION column width
     * @param located  adds the address to an unreachable minion's error
     */
    LiveOutput(String method, CommandExits exits, ResultTable.Style style, boolean stream, int total, int nameWidth,
               java.util.function.UnaryOperator<MinionResult> located, PrintWriter out, PrintWriter err) {
        this.located = located;
        this.method = method;
        this.exits = exits;
        this.style = style;
        this.stream = stream;
        this.nameWidth = nameWidth;
        this.out = out;
        this.err = err;
        this.progress = ProgressLine.wanted(total) ? new ProgressLine(err, total) : null;
        if (stream) {
            ResultTable.header(nameWidth, ResultTable.STREAM_STATUS_WIDTH, out);
            out.flush();
        }
        this.printer = new Thread(this::print, "jfunc-output");
        printer.setDaemon(true);
        printer.start();
    }

    /** Announces each batch of {@code batch} over {@code minions} on stderr as its first minion starts. */
    LiveOutput batches(jfunc.overlord.Batch batch, int minions) {
        this.batchMinions = minions;
        this.batch = batch;
        return this;
    }

    @Override
    public void started(MinionAddress minion) {
        events.add(new Event(minion.name(), System.nanoTime(), null));
    }

    @Override
    public void finished(MinionResult result) {
        events.add(new Event(null, 0, result));
    }

    private void print() {
        try {
            while (true) {
                Event e = events.poll(250, TimeUnit.MILLISECONDS);
                if (e == END) {
                    return;
                }
                if (e != null && e.started() != null) {
                    announce();
                    if (progress != null) {
                        progress.started(e.started(), e.nanos());
                    }
                } else if (e != null && e.finished() != null) {
                    MinionResult r = located.apply(e.finished());
                    if (progress != null) {
                        progress.finished(r.minion(), !r.ok() || exits.failed(method, r.value()));
                    }
                    if (stream) {
                        if (progress != null) {
                            progress.clear();
                        }
                        ResultTable.row(method, r, style, exits, nameWidth, ResultTable.STREAM_STATUS_WIDTH, out);
                        out.flush();
                    }
                }
                if (progress != null) {
                    progress.draw(false, System.nanoTime());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void announce() {
        jfunc.overlord.Batch b = batch;
        int index = startedCount++;
        if (b == null || index % b.width(batchMinions) != 0) {
            return;
        }
        if (progress != null) {
            progress.clear();
        }
        out.flush();
        err.println("batch " + b.batchOf(index, batchMinions) + " of " + b.batches(batchMinions));
        err.flush();
    }

    @Override
    public void close() {
        events.add(END);
        try {
            printer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (progress != null) {
            progress.clear();
        }
        out.flush();
    }
}
