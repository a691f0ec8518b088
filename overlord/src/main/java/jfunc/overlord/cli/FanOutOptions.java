package jfunc.overlord.cli;

import java.time.Duration;
import jfunc.common.Durations;
import jfunc.overlord.FanOut;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --forks} and {@code --timeout}, shared by the commands that call minions. */
final class FanOutOptions {
    @Option(names = "--forks", paramLabel = "N",
            description = "Calls at once, 1-" + FanOut.MAX_FORKS + " (default: forks in overlord.conf, else "
                    + FanOut.DEFAULT_FORKS + ").")
    Integer forks;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = SecondsConverter.class,
            description = "Each minion's deadline for its whole call, in seconds (2.5) or with a unit"
                    + " (90s, 2m); default: timeout in overlord.conf, else 30. Connecting takes at most 5 s of it.")
    Duration timeout;

    /** The flags over {@code d}, the defaults of overlord.conf. */
    FanOut.Limits limits(FanOut.Limits d) {
        try {
            return new FanOut.Limits(forks == null ? d.forks() : forks, timeout == null ? d.timeout() : timeout);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UsageException(e.getMessage());
        }
    }

    static final class SecondsConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a number of seconds (e.g. 30, 2.5, 90s or 2m)");
            }
        }
    }
}
