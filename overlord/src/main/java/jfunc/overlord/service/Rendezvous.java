package jfunc.overlord.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: a minion belongs to the service whose name scores
 * highest with it. Every service computes the same owner from the same set of names, with no
 * talk between them; when a service leaves, only its own minions move (each to the next highest).
 */
final class Rendezvous {
    private Rendezvous() {}

    /** The owner of {@code minion} among {@code services} (not empty). */
    static String owner(String minion, Collection<String> services) {
        String best = null;
        long bestScore = 0;
        for (String s : services) {
            long score = score(s, minion);
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || (score == bestScore && s.compareTo(best) < 0)) {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    /** The first 8 bytes of SHA-256(service NUL minion): the same in every JVM and version. */
    static long score(String service, String minion) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(service.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        byte[] d = sha.digest(minion.getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return v;
    }
}
