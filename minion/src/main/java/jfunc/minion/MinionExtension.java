package jfunc.minion;

/**
 * Start-up code that needs the registry itself, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/jfunc.minion.MinionExtension}). The async job runner is one: its
 * {@link #install} adds the {@code jobs} module ({@link ModuleRegistry#add}) and the
 * {@code async} prefix route ({@link ModuleRegistry#route}), and runs jobs through
 * {@link ModuleRegistry#invoke}.
 *
 * <p>jfuncd calls {@link #install} after the modules are loaded and before serving, and
 * {@link #close} after the server stopped (in reverse order of installation).
 */
public interface MinionExtension extends AutoCloseable {
    /** An exception here stops jfuncd (a {@link jfunc.common.Config.ConfigException}: exit 2). */
    void install(ModuleRegistry registry, MinionSettings settings) throws Exception;

    /**
     * SIGHUP: the settings as re-read from the config file. Check everything before changing
     * anything: an exception (a {@link jfunc.common.Config.ConfigException} saying what is wrong)
     * must leave the extension as it was; jfuncd logs it and keeps the old settings.
     */
    default void reload(MinionSettings settings) throws Exception {}

    @Override
    default void close() throws Exception {}
}
