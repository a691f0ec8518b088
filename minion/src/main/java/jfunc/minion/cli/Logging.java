package jfunc.minion.cli;

import jfunc.common.Config;

/**
 * Sets up slf4j-simple from the config before the first logger exists: {@code log_file}
 * (default stderr, which journald captures) and {@code log_level} (default info).
 */
final class Logging {
    private Logging() {}

    static void configure(Config config) {
        set("org.slf4j.simpleLogger.logFile", config.get("log_file", "System.err"));
        set("org.slf4j.simpleLogger.defaultLogLevel", config.get("log_level", "info"));
        set("org.slf4j.simpleLogger.showDateTime", "true");
        set("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        set("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void set(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
