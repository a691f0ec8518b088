package jfunc.overlord;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import jfunc.common.rpc.CallError;

/**
 * A rolling batch ({@code --batch N|P%}, {@code --batch-fail N}): at most {@link #width} minions
 * run the call at once, the next one starting when one finishes; once {@code maxFailures}
 * minions have failed (0: never), no new minion starts and the rest are answered
 * {@link CallError.Kind#NOT_STARTED} with the reason. Failures are errors and command.run exit
 * codes that {@code exits} does not count as success. Immutable.
 *
 * <p>Batch k of m holds the minions started k-th in groups of {@link #width}: with 10 minions
 * and {@code --batch 3}, minions 1-3 are batch 1, 4-6 batch 2, ... batch 4 of 4 is the tenth.
 *
 * @param size        minions at once, or a percentage of the minions called when {@code percent}
 * @param percent     {@code size} is a percentage (1-100)
 * @param maxFailures failures after which no new minion starts; 0 for no limit
 * @param exits       which command.run exit codes are success
 */
public record Batch(int size, boolean percent, int maxFailures, CommandExits exits) {
    public Batch {
        if (size < 1 || (percent && size > 100)) {
            throw new IllegalArgumentException("--batch must be a number of minions (1 or more) or a percentage"
                    + " of them (1%-100%), e.g. --batch 10 or --batch 25% (got '" + (percent ? size + "%" : size) + "')");
        }
        if (maxFailures < 0) {
            throw new IllegalArgumentException("--batch-fail must be 1 or more (got " + maxFailures + ")");
        }
        Objects.requireNonNull(exits, "exits");
    }

    /**
     * {@code --batch TEXT} ("10", "25%") with {@code --batch-fail maxFailures} (null: no limit).
     * IllegalArgumentException with the message a user reads for a bad value.
     */
    public static Batch parse(String text, Integer maxFailures, CommandExits exits) {
        String t = text.strip();
        boolean pct = t.endsWith("%");
        String digits = pct ? t.substring(0, t.length() - 1).strip() : t;
        int n;
        try {
            n = digits.matches("[0-9]{1,9}") ? Integer.parseInt(digits) : -1;
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || (pct && n > 100)) {
            throw new IllegalArgumentException("--batch must be a number of minions (1 or more) or a percentage"
                    + " of them (1%-100%), e.g. --batch 10 or --batch 25% (got '" + text + "')");
        }
        if (maxFailures != null && maxFailures < 1) {
            throw new IllegalArgumentException("--batch-fail must be 1 or more (got " + maxFailures + ")");
        }
        return new Batch(n, pct, maxFailures == null ? 0 : maxFailures, exits);
    }

    /** How many of {@code minions} run at once: the size, or the percentage rounded up (at least 1). */
    public int width(int minions) {
        int w = percent ? (int) Math.ceil(minions * (size / 100.0)) : size;
        return Math.max(1, Math.min(w, Math.max(1, minions)));
    }

    /** How many batches {@code minions} make. */
    public int batches(int minions) {
        int w = width(minions);
        return Math.max(1, (minions + w - 1) / w);
    }

    /** The batch (1-based) of the minion started {@code index}-th (0-based). */
    public int batchOf(int index, int minions) {
        return index / width(minions) + 1;
    }

    /**
     * How long a whole rollout of {@code minions} may take when each minion has {@code timeout}:
     * one timeout per batch.
     */
    public Duration span(int minions, Duration timeout) {
        return timeout.multipliedBy(batches(minions));
    }

    /** True when {@code r} counts against {@code --batch-fail}. */
    public boolean failed(String method, MinionResult r) {
        return !r.ok() || exits.failed(method, r.value());
    }

    /** True when no new minion may start after {@code failures} failures. */
    public boolean stops(int failures) {
        return maxFailures > 0 && failures >= maxFailures;
    }

    /** The answer of a minion that was not started because the rollout stopped. */
    public MinionResult notStarted(String minion, int failures) {
        return MinionResult.failure(minion, new CallError(CallError.Kind.NOT_STARTED, 0, "not started: " + failures
                + " minion" + (failures == 1 ? "" : "s") + " failed, the rollout stopped (--batch-fail " + maxFailures
                + ")"), Duration.ZERO);
    }

    /** What a WAITING minion's record says, from which {@link #ofWaiting} reads the batch back. */
    public String waiting(int minions) {
        return WAITING_TEXT + text() + ", " + width(minions) + " at once" + (maxFailures > 0 ? ", --batch-fail " + maxFailures : "")
                + ", --ok-exit " + exits.ok().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")) + ")";
    }

    private static final String WAITING_TEXT = "waits for its turn in the rolling batch (--batch ";
    private static final java.util.regex.Pattern WAITING = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(WAITING_TEXT) + "([0-9]+%?), ([0-9]+) at once(?:, --batch-fail ([0-9]+))?, --ok-exit ([0-9,]+)\\)");

    /** The batch and its width (minions at once) of a {@link #waiting} text; null for another text. */
    public static Map.Entry<Batch, Integer> ofWaiting(String text) {
        java.util.regex.Matcher m = WAITING.matcher(text);
        if (!m.matches()) {
            return null;
        }
        Batch b = parse(m.group(1), m.group(3) == null ? null : Integer.valueOf(m.group(3)), CommandExits.parse(m.group(4)));
        return Map.entry(b, Integer.valueOf(m.group(2)));
    }

    /** "10" or "25%", as typed. */
    public String text() {
        return size + (percent ? "%" : "");
    }

    @Override
    public String toString() {
        return "--batch " + text() + (maxFailures > 0 ? " --batch-fail " + maxFailures : "");
    }
}
