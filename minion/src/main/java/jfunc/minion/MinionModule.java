package jfunc.minion;

import java.util.List;

/**
 * A module of minion methods, found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/jfunc.minion.MinionModule} of a jar on the minion's class path
 * (a public class with a public no-argument constructor). Methods are called as
 * {@code name().method}. The names {@code system} and {@code async} are reserved.
 *
 * <p>Order: constructor, then {@link #configure} once, then {@link #methods} once. Handlers may
 * run concurrently on several worker threads.
 */
public interface MinionModule {
    /** The module name: lower-case letters, digits and '_', starting with a letter. */
    String name();

    /** The methods; called once, after {@link #configure}. */
    List<MethodSpec> methods();

    /**
     * Reads the module's settings. A {@link jfunc.common.Config.ConfigException} stops the
     * minion with a configuration error (exit 2); other exceptions disable only this module.
     */
    default void configure(MinionSettings settings) throws Exception {}
}
