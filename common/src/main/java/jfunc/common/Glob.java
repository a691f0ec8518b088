package jfunc.common;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Shell-style globs: {@code *}, {@code ?} and {@code [...]} (with {@code [!...]} for negation). */
public final class Glob {
    private final String text;
    private final Pattern pattern;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /** Compiles a glob; throws IllegalArgumentException for an unclosed bracket. */
    public static Glob of(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException("unclosed '[' in pattern '" + glob + "'");
                    }
                    String body = glob.substring(i + 1, end);
                    if (body.startsWith("!")) {
                        body = "^" + body.substring(1);
                    }
                    re.append('[').append(body.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new Glob(glob, Pattern.compile(re.toString()));
    }

    public boolean matches(String s) {
        return pattern.matcher(s).matches();
    }

    /** True when the glob is only stars: it matches every name. */
    public boolean matchesEverything() {
        return !text.isEmpty() && text.chars().allMatch(c -> c == '*');
    }

    /**
     * Whether some string made of {@code alphabet}'s characters matches both globs (for example
     * an autosign glob and an ACL glob, over the characters certificate names may use).
     */
    public boolean overlaps(Glob other, String alphabet) {
        List<Glob> a = tokens();
        List<Glob> b = other.tokens();
        return overlap(a, 0, b, 0, alphabet, new HashMap<>());
    }

    /** The glob as one glob per element: {@code *}, {@code ?}, a bracket, or one literal character. */
    private List<Glob> tokens() {
        List<Glob> out = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int end = c == '[' ? text.indexOf(']', i + 2) : i;
            out.add(Glob.of(text.substring(i, end + 1)));
            i = end;
        }
        return out;
    }

    private static boolean overlap(List<Glob> a, int i, List<Glob> b, int j, String alphabet, Map<Long, Boolean> memo) {
        long key = ((long) i << 32) | j;
        Boolean known = memo.get(key);
        if (known != null) {
            return known;
        }
        boolean r;
        if (i == a.size() && j == b.size()) {
            r = true;
        } else if (i < a.size() && a.get(i).text.equals("*")) {
            r = overlap(a, i + 1, b, j, alphabet, memo) || (j < b.size() && overlap(a, i, b, j + 1, alphabet, memo));
        } else if (j < b.size() && b.get(j).text.equals("*")) {
            r = overlap(a, i, b, j + 1, alphabet, memo) || (i < a.size() && overlap(a, i + 1, b, j, alphabet, memo));
        } else if (i < a.size() && j < b.size()) {
            Glob x = a.get(i);
            Glob y = b.get(j);
            r = alphabet.chars().mapToObj(c -> String.valueOf((char) c)).anyMatch(c -> x.matches(c) && y.matches(c))
                    && overlap(a, i + 1, b, j + 1, alphabet, memo);
        } else {
            r = false;
        }
        memo.put(key, r);
        return r;
    }

    @Override
    public String toString() {
        return text;
    }
}
