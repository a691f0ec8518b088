package jfunc.certs.service;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import jfunc.common.Glob;
import jfunc.common.Names;

/**
 * What {@code jfunc-ca serve} warns about at start, because autosign lets anyone who reaches the
 * port pick a name: an autosign glob that matches every name on a listener other hosts can
 * reach, and an autosign glob that overlaps a certificate-name glob of a minion ACL (anyone could
 * enrol a name the ACL grants methods to, e.g. {@code monx} for {@code mon*}).
 */
public final class AutosignWarnings {
    private AutosignWarnings() {}

    /** The warnings (empty when none); ACL files that do not exist are skipped. */
    public static List<String> check(String autosign, InetSocketAddress listen, List<Path> aclFiles) {
        List<String> out = new ArrayList<>();
        if (autosign == null || autosign.isBlank()) {
            return out;
        }
        List<Glob> globs = Arrays.stream(autosign.split("[;,]")).map(String::trim).filter(s -> !s.isEmpty())
                .map(g -> Glob.of(g.toLowerCase(Locale.ROOT))).toList();
        InetAddress host = listen.getAddress();
        boolean loopback = host != null && host.isLoopbackAddress();
        for (Glob g : globs) {
            if (g.matchesEverything() && !loopback) {
                out.add("autosign '" + g + "' signs every name, and " + listen.getHostString() + ":" + listen.getPort()
                        + " is not a loopback address: any host that reaches it gets a certificate and joins the '*'"
                        + " inventory (fan-outs and copyfile contents go to the address it claims). Use a narrower"
                        + " glob, or listen on 127.0.0.1");
            }
        }
        for (Path file : aclFiles) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue;
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                int eq = line.indexOf('=');
                if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                    continue;
                }
                Glob who;
                try {
                    who = Glob.of(line.substring(0, eq).strip().toLowerCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    continue; // the minion reports a bad ACL line itself
                }
                for (Glob g : globs) {
                    if (g.overlaps(who, Names.ALPHABET)) {
                        out.add("autosign '" + g + "' overlaps '" + who + "' in " + file + ":" + (i + 1)
                                + " (granted " + line.substring(eq + 1).strip() + "): anyone who reaches the enrolment"
                                + " port can enrol a name matching both and call those methods");
                    }
                }
            }
        }
        return out;
    }
}
