package jfunc.overlord;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which exit codes of {@code command.run} count as success. A minion that answered
 * {@code command.run} with another exit code answered, but its command failed: the CLI shows
 * it as {@code failed}, counts it as a failed minion and exits 1, as Ansible and Salt do.
 * Immutable.
 */
public record CommandExits(Set<Integer> ok) {
    /** The default: only exit code 0 is success. */
    public static final CommandExits ZERO = new CommandExits(Set.of(0));

    /** The method whose answers carry an exit code. */
    public static final String COMMAND_RUN = "command.run";

    public CommandExits {
        if (ok.isEmpty()) {
            throw new IllegalArgumentException("no exit code counts as success");
        }
        ok = Set.copyOf(ok);
    }

    /** "0,1" or "0, 2-4": exit codes 0-255, separated by commas, ranges with '-'. */
    public static CommandExits parse(String text) {
        Set<Integer> codes = new TreeSet<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            int dash = p.indexOf('-', 1);
            try {
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 0 || to > 255 || from > to) {
                    throw new NumberFormatException();
                }
                for (int c = from; c <= to; c++) {
                    codes.add(c);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a list of exit codes 0-255"
                        + " (e.g. 0,1 or 0,2-4)");
            }
        }
        return new CommandExits(codes);
    }

    /**
     * The exit code in a {@code command.run} answer ({@code [exit, stdout, stderr]}), or null
     * when {@code method} is another method or the value has another shape.
     */
    public static Integer exitCode(String method, Object value) {
        if (!COMMAND_RUN.equals(method)) {
            return null;
        }
        List<?> parts = value instanceof Object[] a ? List.of(a) : value instanceof List<?> l ? l : null;
        if (parts != null && parts.size() == 3 && parts.get(0) instanceof Integer exit) {
            return exit;
        }
        return null;
    }

    /** True when {@code value} is a {@code command.run} answer whose exit code is not success. */
    public boolean failed(String method, Object value) {
        Integer exit = exitCode(method, value);
        return exit != null && !ok.contains(exit);
    }

    /** True when every minion answered and no command failed. */
    public boolean allOk(CallResult result) {
        return failedMinions(result) == 0;
    }

    /** Minions that failed: errors plus commands whose exit code is not success. */
    public int failedMinions(CallResult result) {
        int n = 0;
        for (MinionResult r : result.results()) {
            if (!r.ok() || failed(result.method(), r.value())) {
                n++;
            }
        }
        return n;
    }
}
