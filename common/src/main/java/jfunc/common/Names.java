package jfunc.common;

import java.util.regex.Pattern;

/**
 * Validates minion and certificate names. A name is a DNS-style host name: labels of letters,
 * digits and hyphens (plus underscore, common in inventories) separated by dots, at most 253
 * characters. Names become file names under the state dir, so nothing that could walk paths
 * ({@code ..}, slashes, spaces) is ever accepted.
 */
public final class Names {
    public static final int MAX_LENGTH = 253;
    /** Every character a lower-cased name may hold (for glob overlap checks). */
    public static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");

    private Names() {}

    /** Returns the name unchanged, or throws with a message that says what is wrong with it. */
    public static String check(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return name;
    }

    public static boolean isValid(String name) {
        return problem(name) == null;
    }

    /** Why the name is refused, or null when it is fine. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "name is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "name is longer than " + MAX_LENGTH + " characters";
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return "invalid name '" + printable(name) + "': use letters, digits, '-', '_' and '.'"
                        + " (labels of 1-63 characters, no leading or trailing '-')";
            }
        }
        return null;
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
