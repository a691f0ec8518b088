package jfunc.common;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Did you mean": the known words closest to a mistyped one, by edit distance. */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidates at most a third of {@code word}'s length (at least 1, at most 3) edits
     * away, closest first, ignoring case; empty when none is that close.
     */
    public static List<String> closest(String word, Collection<String> candidates) {
        String w = word.toLowerCase(Locale.ROOT);
        int max = Math.min(3, Math.max(1, w.length() / 3));
        record Scored(String word, int distance) {}
        List<Scored> close = new ArrayList<>();
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d <= max && !c.equals(word)) {
                close.add(new Scored(c, d));
            }
        }
        close.sort(Comparator.comparingInt(Scored::distance));
        return close.stream().map(Scored::word).toList();
    }

    /** " (did you mean 'a' or 'b'?)", or "" when there is nothing close. */
    public static String didYouMean(String word, Collection<String> candidates) {
        List<String> c = closest(word, candidates);
        if (c.isEmpty()) {
            return "";
        }
        List<String> top = c.subList(0, Math.min(3, c.size()));
        return " (did you mean '" + String.join("' or '", top) + "'?)";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
