package jfunc.overlord.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import jfunc.common.StateDir;
import jfunc.overlord.Inventory;

/**
 * A cheap fingerprint of the inventory's files (CA records, overrides, groups): names, sizes and
 * modification times. When it changes, the service re-reads the inventory.
 */
final class InventoryStamp {
    private InventoryStamp() {}

    static String of(StateDir state) {
        StringBuilder b = new StringBuilder();
        add(b, state.overlord().resolve(Inventory.OVERRIDES_FILE));
        add(b, state.overlord().resolve(Inventory.GROUPS_FILE));
        Path records = state.ca().resolve("records");
        add(b, records);
        if (Files.isDirectory(records)) {
            try (Stream<Path> files = Files.list(records)) {
                files.sorted().forEach(p -> add(b, p));
            } catch (IOException e) {
                b.append("unreadable");
            }
        }
        return Integer.toHexString(b.toString().hashCode()) + ":" + b.length();
    }

    private static void add(StringBuilder b, Path p) {
        try {
            b.append(p.getFileName()).append(' ').append(Files.size(p)).append(' ')
                    .append(Files.getLastModifiedTime(p).toMillis()).append('\n');
        } catch (IOException e) {
            b.append(p.getFileName()).append(" -\n");
        }
    }
}
