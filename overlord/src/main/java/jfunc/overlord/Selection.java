package jfunc.overlord;

import java.util.List;

/**
 * The minions a {@link Target} selected from an {@link Inventory}, in target order.
 *
 * @param target  the target expression
 * @param names   every selected name, known or not, in target order
 * @param minions the selected names that are in the inventory, with their addresses
 * @param unknown exact names the target gave that are not in the inventory
 * @param revoked names the target matches (exactly or by glob) whose certificate the CA revoked:
 *                never called; an exact one is also in {@code names} and {@code unknown} and is
 *                answered "revoked", a glob-matched one is only listed here
 */
public record Selection(String target, List<String> names, List<MinionAddress> minions, List<String> unknown,
                        List<String> revoked) {
    public Selection {
        names = List.copyOf(names);
        minions = List.copyOf(minions);
        unknown = List.copyOf(unknown);
        revoked = List.copyOf(revoked);
    }

    /** A selection that touches no revoked minion. */
    public Selection(String target, List<String> names, List<MinionAddress> minions, List<String> unknown) {
        this(target, names, minions, unknown, List.of());
    }

    /** True when no known minion was selected (there may still be unknown names). */
    public boolean isEmpty() {
        return minions.isEmpty();
    }
}
