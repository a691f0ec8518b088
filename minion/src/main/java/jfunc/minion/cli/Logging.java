package jfunc.minion.cli;

import jfunc.common.Config;

/**
 * Applies {@code log_file} and {@code log_level} from the config to slf4j-simple before the
 * first logger exists. Unset keys leave {@code etc/simplelogger.properties} (on the launcher's
 * class path) in charge: system properties win over that file.
 */
final class Logging {
    private Logging() {}

    static void configure(Config config) {
        set("org.slf4j.simpleLogger.logFile", config.get("log_file", null));
        set("org.slf4j.simpleLogger.defaultLogLevel", config.get("log_level", null));
    }

    private static void set(String key, String value) {
        if (value != null && System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
