package jfunc.common;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Time-sortable unique ids such as {@code 20261123-013045-123-7f3a9c01-5be0c2d94a17e3f8}: UTC
 * date, time and milliseconds, a per-process counter mixed with random bits (ids made in the same
 * millisecond by different processes do not collide), then 64 random bits so that nobody can
 * guess an id from the ids they have seen. Ids compare as strings in time order (to the
 * millisecond; within one millisecond of one process they also keep creation order). Ids made
 * before the random part existed ({@code 20261123-013045-123-7f3a9c01}) stay valid.
 */
public final class Ids {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private static final Pattern SHAPE = Pattern.compile("\\d{8}-\\d{6}-\\d{3}-[0-9a-f]{8}(-[0-9a-f]{16})?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PROCESS_SALT = RANDOM.nextInt() & 0xfff00000;

    private static long lastMillis;
    private static int counter;

    private Ids() {}

    /** A new id; unique across processes (a salted counter) and unguessable (64 random bits). */
    public static String next() {
        return ordered() + "-" + HexFormat.of().toHexDigits(RANDOM.nextLong());
    }

    /** The time-ordered part: time, then 12 random bits per process and a 20-bit counter. */
    private static synchronized String ordered() {
        long now = System.currentTimeMillis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = 0;
        } else if (++counter > 0xfffff) {
            // More than a million ids in one millisecond: borrow the next millisecond.
            lastMillis++;
            counter = 0;
        }
        int tail = PROCESS_SALT | counter;
        return FORMAT.format(Instant.ofEpochMilli(lastMillis)) + "-" + HexFormat.of().toHexDigits(tail);
    }

    public static boolean isValid(String id) {
        return id != null && SHAPE.matcher(id).matches();
    }

    /** The creation time encoded in a valid id. */
    public static Instant timeOf(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("malformed id '" + id + "'");
        }
        return FORMAT.parse(id.substring(0, 19), Instant::from);
    }
}
