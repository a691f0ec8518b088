package jfunc.overlord;

import java.util.List;

/**
 * The minions a {@link Target} selected from an {@link Inventory}, in target order.
 *
 * @param target  the target expression
 * @param names   every selected name, known or not, in target order
 * @param minions the selected names that are in the inventory, with their addresses
 * @param unknown exact names the target gave that are not in the inventory
 */
public record Selection(String target, List<String> names, List<MinionAddress> minions, List<String> unknown) {
    public Selection {
        names = List.copyOf(names);
        minions = List.copyOf(minions);
        unknown = List.copyOf(unknown);
    }

    /** True when no known minion was selected (there may still be unknown names). */
    public boolean isEmpty() {
        return minions.isEmpty();
    }
}
