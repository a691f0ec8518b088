package jfunc.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations people type: {@code 30}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}, {@code 1h30m}, {@code 250ms}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d|w)");

    private Durations() {}

    /** A bare number means seconds. Throws IllegalArgumentException with an example on bad input. */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.matches("\\d+(\\.\\d+)?")) {
            s = s + "s";
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        double millis = 0;
        while (m.find() && m.start() == pos) {
            double n = Double.parseDouble(m.group(1));
            millis += n * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                case "d" -> 86_400_000;
                default -> 604_800_000;
            };
            pos = m.end();
        }
        if (s.isEmpty() || pos != s.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 30s, 5m, 2h, 7d, 1h30m)");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
