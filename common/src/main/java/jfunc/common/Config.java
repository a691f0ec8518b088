package jfunc.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Settings from three places, highest first: command-line flags, environment variables
 * ({@code JFUNC_} + key upper-cased, dots and dashes as underscores: {@code max_body_bytes} →
 * {@code JFUNC_MAX_BODY_BYTES}), then a properties-style file ({@code key = value}, {@code #}
 * comments). Typed getters fail with a message that names the key and where its value came from.
 */
public final class Config {
    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final Map<String, String> file;
    private final String fileName;

    private Config(Map<String, String> flags, Map<String, String> env, Map<String, String> file, String fileName) {
        this.flags = flags;
        this.env = env;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Loads a config. {@code file} may be null (no file); a file that was named but is missing or
     * unreadable is an error when {@code required}, else silently skipped.
     */
    public static Config load(Path file, boolean required, Map<String, String> flags, Map<String, String> env)
            throws ConfigException {
        Map<String, String> fromFile = new HashMap<>();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                Properties p = new Properties();
                p.load(r);
                p.forEach((k, v) -> fromFile.put(normal(k.toString()), v.toString().trim()));
            } catch (NoSuchFileException e) {
                if (required) {
                    throw new ConfigException("config file " + file + " not found");
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
            }
        }
        Map<String, String> f = new HashMap<>();
        flags.forEach((k, v) -> {
            if (v != null) {
                f.put(normal(k), v);
            }
        });
        return new Config(f, env, fromFile, file == null ? "(none)" : file.toString());
    }

    /** A config with only flags (tests, embedded use). */
    public static Config of(Map<String, String> values) {
        try {
            return load(null, false, values, Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A problem with the configuration: exit code 2 in every CLI. */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }

    /**
     * Refuses a config file that holds a key no one reads: a typo ({@code worker_thread}) must
     * not be silently ignored. {@code known} are the keys of this file's program; a key that
     * starts with one of {@code prefixes} is accepted too (keys with a name of their own in them,
     * such as {@code jobs.max_concurrent.MODULE}). The error names the key, the file and the
     * closest known keys, and ends with {@code listedIn} (where the keys are documented).
     * Environment variables and flags are not checked here.
     */
    public void rejectUnknownKeys(java.util.Collection<String> known, java.util.Collection<String> prefixes,
                                  String listedIn)
            throws ConfigException {
        java.util.List<String> unknown = new java.util.ArrayList<>();
        for (String k : new java.util.TreeSet<>(file.keySet())) {
            if (!known.contains(k) && prefixes.stream().noneMatch(k::startsWith)) {
                unknown.add(k);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (String k : unknown) {
            b.append(b.length() == 0 ? "" : "; ").append("unknown key '").append(k).append("' in ").append(fileName)
                    .append(Suggestions.didYouMean(k, known));
        }
        throw new ConfigException(b + "; " + listedIn + " lists every key");
    }

    public String get(String key, String defaultValue) {
        String v = raw(key);
        return v == null || v.isEmpty() ? defaultValue : v;
    }

    public int getInt(String key, int defaultValue) throws ConfigException {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a whole number");
        }
    }

    public long getBytes(String key, long defaultValue) throws ConfigException {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return defaultValue;
        }
        String s = v.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
                {"K", "1024"}, {"M", "1048576"}, {"G", "1073741824"}}) {
            if (s.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(s), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(where(key) + ": '" + v + "' is not a size (e.g. 16MiB, 512K, 1048576)");
        }
    }

    public Duration getDuration(String key, Duration defaultValue) throws ConfigException {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(key) + ": " + e.getMessage());
        }
    }

    /**
     * The keys set by flag or in the file that start with {@code prefix} (sorted), such as every
     * {@code jobs.max_concurrent.MODULE}, so a program can check the names in them. Environment
     * variables are not listed (their names do not tell dots from underscores).
     */
    public java.util.SortedSet<String> keysStartingWith(String prefix) {
        java.util.SortedSet<String> keys = new java.util.TreeSet<>();
        String p = normal(prefix);
        for (Map<String, String> m : java.util.List.of(flags, file)) {
            m.keySet().stream().filter(k -> k.startsWith(p)).forEach(keys::add);
        }
        return keys;
    }

    /** Where {@code key}'s value comes from, for messages: a flag, an environment variable, or the file. */
    public String origin(String key) {
        return where(key);
    }

    private String raw(String key) {
        String k = normal(key);
        if (flags.containsKey(k)) {
            return flags.get(k);
        }
        String e = env.get(envName(k));
        if (e != null) {
            return e;
        }
        return file.get(k);
    }

    private String where(String key) {
        String k = normal(key);
        if (flags.containsKey(k)) {
            return "flag --" + k.replace('_', '-');
        }
        if (env.containsKey(envName(k))) {
            return "environment variable " + envName(k);
        }
        return "'" + k + "' in " + fileName;
    }

    static String envName(String key) {
        return "JFUNC_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static String normal(String key) {
        return key.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    }
}
