package jfunc.overlord.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A method's declared parameters, read from the signature that {@code system.method_help}
 * answers first ({@code test.add(a: int, b: int): Adds ...}; optional ones in brackets), and
 * the conversion of typed words to those types: {@code call test add 2 3} sends two ints.
 */
record MethodSignature(String text, List<Param> params) {
    private static final Pattern INT = Pattern.compile("[-+]?\\d{1,10}");

    /** A parameter: its name, its type labels (int, boolean, double, string, base64, struct, array, any). */
    record Param(String name, Set<String> types, boolean optional) {}

    /** The signature at the start of a method_help text, or null when the text has none. */
    static MethodSignature parse(String help) {
        int open = help.indexOf('(');
        int close = help.indexOf(')', open + 1);
        if (open < 1 || close < 0) {
            return null;
        }
        String inner = help.substring(open + 1, close);
        List<Param> params = new ArrayList<>();
        boolean optional = false;
        int depth = 0;
        int from = 0;
        for (int i = 0; i <= inner.length(); i++) {
            char c = i < inner.length() ? inner.charAt(i) : ',';
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String part = inner.substring(from, i);
                optional |= part.contains("[");
                part = part.replace("[", "").replace("]", "").strip();
                int colon = part.indexOf(':');
                if (colon > 0) {
                    Set<String> types = Set.of(part.substring(colon + 1).strip().toLowerCase(Locale.ROOT).split(" or "));
                    params.add(new Param(part.substring(0, colon).strip(), types, optional));
                }
                from = i + 1;
            }
        }
        return new MethodSignature(help.substring(0, close + 1), params);
    }

    int minArgs() {
        return (int) params.stream().filter(p -> !p.optional()).count();
    }

    /**
     * The words as the declared types: a word stays a string where a string (or anything) is
     * accepted, else becomes an int, double, boolean, or a JSON array or struct. A word that fits
     * none, or a wrong count, is an IllegalArgumentException that shows the signature.
     */
    List<Object> convert(String method, List<String> words) {
        checkCount(method, words.size());
        List<Object> out = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            out.add(convert(method, i, words.get(i)));
        }
        return out;
    }

    void checkCount(String method, int n) {
        int min = minArgs();
        int max = params.size();
        if (n < min || n > max) {
            String count = min == max ? Integer.toString(min) : min + " to " + max;
            throw new IllegalArgumentException(method + " takes " + count + " argument" + (max == 1 ? "" : "s")
                    + ", got " + n + ": " + text);
        }
    }

    private Object convert(String method, int i, String word) {
        Param p = params.get(i);
        Set<String> t = p.types();
        if (t.contains("string") || t.contains("any")) {
            return word;
        }
        String w = word.strip();
        if (t.contains("int") && INT.matcher(w).matches()) {
            long v = Long.parseLong(w);
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                return (int) v;
            }
        }
        if (t.contains("double")) {
            try {
                double d = Double.parseDouble(w);
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // not a number; tried below
            }
        }
        if (t.contains("boolean")) {
            switch (w.toLowerCase(Locale.ROOT)) {
                case "true", "yes" -> {
                    return true;
                }
                case "false", "no" -> {
                    return false;
                }
                default -> { }
            }
        }
        if ((t.contains("struct") && w.startsWith("{")) || (t.contains("array") && w.startsWith("["))) {
            return JsonArgs.parse(List.of(w)).get(0);
        }
        throw new IllegalArgumentException("ARG " + (i + 1) + " of " + method + " ('" + word + "') must be "
                + String.join(" or ", new java.util.TreeSet<>(t)) + ": " + text
                + (t.contains("base64") ? "; to copy a file use: jfunc TARGET push LOCAL REMOTE" : ""));
    }
}
