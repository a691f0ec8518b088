package jfunc.minion.modules;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.FileStore;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import jfunc.minion.CallContext;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;
import jfunc.minion.MinionSettings;

/**
 * {@code facts.all()}: hostname (the kernel's, as {@code hostname} prints it) and fqdn, os, kernel, arch, cpus, memory, disks, uptime, and the minion's
 * name and jfunc version. Sizes are in bytes as decimal strings (they overflow a 32-bit int).
 */
public final class FactsModule implements MinionModule {
    /** File systems that are not disks. */
    private static final Set<String> VIRTUAL = Set.of("proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup",
            "cgroup2", "securityfs", "pstore", "debugfs", "tracefs", "mqueue", "hugetlbfs", "configfs", "fusectl",
            "bpf", "autofs", "binfmt_misc", "rpc_pipefs", "nsfs", "overlay", "squashfs", "efivarfs", "ramfs", "shm");
    private static final int MAX_DISKS = 64;
    private String minionName = "";

    @Override
    public String name() {
        return "facts";
    }

    @Override
    public void configure(MinionSettings settings) {
        minionName = settings.name();
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(MethodSpec.method("all").readOnly()
                .help("Host facts: hostname (the kernel's), fqdn, os, kernel, arch, cpus, memory {total, available}, disks [{mount, type,"
                        + " total, free}], uptime (seconds), minion, jfunc_version. Byte counts are strings.")
                .handler(this::all));
    }

    private Object all(jfunc.minion.Args a, CallContext ctx) {
        Map<String, Object> f = new LinkedHashMap<>();
        String hostname = hostname();
        f.put("hostname", hostname);
        f.put("fqdn", fqdn(hostname));
        f.put("os", osName());
        f.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        f.put("arch", System.getProperty("os.arch"));
        f.put("cpus", Runtime.getRuntime().availableProcessors());
        f.put("memory", memory());
        f.put("disks", disks());
        uptime().ifPresent(u -> f.put("uptime", u));
        f.put("minion", minionName);
        f.put("jfunc_version", version());
        f.put("java_version", System.getProperty("java.version"));
        return f;
    }

    /** The kernel's host name (what {@code hostname} prints), not a reverse lookup that may say localhost. */
    static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JDK below
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
    }

    /** The fully qualified name the resolver gives the host name (the host name itself when it has none). */
    static String fqdn(String hostname) {
        try {
            String c = InetAddress.getByName(hostname).getCanonicalHostName();
            return c.contains(".") || c.equals(hostname) ? c : hostname;
        } catch (IOException e) {
            return hostname;
        }
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring(12).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // not Linux, or no os-release
        }
        return System.getProperty("os.name");
    }

    /** From /proc/meminfo (kB → bytes); empty off Linux. */
    private static Map<String, Object> memory() {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                String[] parts = line.split("\\s+");
                if (parts.length >= 2 && (parts[0].equals("MemTotal:") || parts[0].equals("MemAvailable:"))) {
                    long bytes = Long.parseLong(parts[1]) * 1024;
                    m.put(parts[0].equals("MemTotal:") ? "total" : "available", Long.toString(bytes));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // leave empty
        }
        return m;
    }

    private static List<Map<String, Object>> disks() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (FileStore store : FileSystems.getDefault().getFileStores()) {
            if (out.size() >= MAX_DISKS || VIRTUAL.contains(store.type())) {
                continue;
            }
            try {
                Map<String, Object> d = new LinkedHashMap<>();
                String s = store.toString();
                int paren = s.lastIndexOf(" (");
                d.put("mount", paren > 0 ? s.substring(0, paren) : s);
                d.put("device", store.name());
                d.put("type", store.type());
                d.put("total", Long.toString(store.getTotalSpace()));
                d.put("free", Long.toString(store.getUsableSpace()));
                out.add(d);
            } catch (IOException e) {
                // unreadable mount: skip
            }
        }
        return out;
    }

    private static java.util.Optional<Integer> uptime() {
        try {
            String first = Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0];
            return java.util.Optional.of((int) Math.min(Integer.MAX_VALUE, Double.parseDouble(first)));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** The build's version (a filtered resource). */
    public static String version() {
        return jfunc.common.Version.current();
    }
}
