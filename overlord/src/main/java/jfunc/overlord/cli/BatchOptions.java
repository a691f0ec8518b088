package jfunc.overlord.cli;

import jfunc.overlord.Batch;
import jfunc.overlord.CommandExits;
import picocli.CommandLine.Option;

/** {@code --batch N|P%} and {@code --batch-fail N}: a rolling batch of a call. */
final class BatchOptions {
    @Option(names = "--batch", paramLabel = "N|P%",
            description = "Rolling batches: at most N minions (or P% of the target's minions, rounded up) run the"
                    + " call at once; the next starts when one finishes. stderr shows 'batch k of m'.")
    String batch;

    @Option(names = "--batch-fail", paramLabel = "N",
            description = "With --batch: after N failed minions (errors, or command.run exit codes that --ok-exit"
                    + " does not allow) start no more; the rest are NOT_STARTED, with the reason.")
    Integer batchFail;

    /** The batch asked for, or null; a bad value is a usage error (exit 2). */
    Batch batch(CommandExits exits) {
        if (batch == null) {
            if (batchFail != null) {
                throw new ErrorReporter.UsageException("--batch-fail goes with --batch (e.g. --batch 10% --batch-fail 2)");
            }
            return null;
        }
        try {
            return Batch.parse(batch, batchFail, exits);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
    }
}
