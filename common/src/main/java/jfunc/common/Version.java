package jfunc.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The jfunc release these classes come from (Maven's project version, filtered in at build time). */
public final class Version {
    private static final String CURRENT = read();

    private Version() {}

    /** "0.1.0-SNAPSHOT", or "unknown" when the build left no version. */
    public static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/jfunc/common/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "unknown");
                return v.startsWith("${") ? "unknown" : v;
            }
        } catch (IOException e) {
            // no version: say so
        }
        return "unknown";
    }
}
