package jfunc.overlord.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.Config.ConfigException;
import jfunc.common.HostPort;
import jfunc.common.Names;
import jfunc.overlord.MinionAddress;

/**
 * The overrides file: one minion per line, {@code NAME HOST:PORT} (or {@code NAME HOST} for port
 * 51234), {@code #} comments. Its entries win over the CA records and may add minions the CA
 * does not know (enrolled elsewhere). A malformed line is a configuration error naming
 * {@code file:line}.
 */
public final class OverridesFile {
    private OverridesFile() {}

    /** The entries of {@code file}; none when it does not exist. */
    public static List<MinionAddress> read(Path file) throws ConfigException {
        List<String> lines = LineFiles.read(file);
        if (lines == null) {
            return List.of();
        }
        List<MinionAddress> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = LineFiles.stripComment(lines.get(i));
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            String where = file + ":" + (i + 1) + ": ";
            if (words.length != 2) {
                throw new ConfigException(where + "expected 'NAME HOST:PORT', got '" + line + "'");
            }
            String problem = Names.problem(words[0]);
            if (problem != null) {
                throw new ConfigException(where + problem);
            }
            try {
                HostPort hp = HostPort.parse(words[1], MinionAddress.DEFAULT_PORT);
                out.add(new MinionAddress(words[0], hp.host().isEmpty() ? words[0] : hp.host(), hp.port()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + e.getMessage());
            }
        }
        return out;
    }
}
