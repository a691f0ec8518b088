package jfunc.overlord;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jfunc.common.Config.ConfigException;
import jfunc.common.StateDir;
import jfunc.common.rpc.CallError;
import jfunc.common.tls.CaTrust;
import jfunc.common.tls.Identity;
import jfunc.common.tls.TlsContexts;
import jfunc.overlord.internal.OverlordFiles;

/**
 * The overlord: an identity, the CA it trusts, an {@link Inventory} of minions and a
 * {@link FanOut} to call them. Target → {@link Selection} → {@link CallResult}.
 *
 * <p>Make one per process and share it: its fan-out keeps TLS connections alive between calls.
 * Thread-safe. {@link #close()} stops its threads.
 */
public final class Overlord implements AutoCloseable {
    private final Inventory inventory;
    private final FanOut fanOut;

    private Overlord(Inventory inventory, FanOut fanOut) {
        this.inventory = inventory;
        this.fanOut = fanOut;
    }

    /**
     * Opens the overlord of a state dir: {@code overlord/overlord.key}, {@code overlord.crt},
     * {@code ca.crt} (written by {@code jfunc-ca init}), the CRL ({@code overlord/crl.pem}, else
     * {@code ca/crl.pem}) and the inventory ({@link Inventory#load}). A missing or unreadable
     * file is a {@link ConfigException} that names it and says what to run.
     */
    public static Overlord open(StateDir state, FanOut.Limits limits) throws ConfigException {
        Inventory inventory = Inventory.load(state);
        Identity identity = OverlordFiles.identity(state);
        CaTrust trust = OverlordFiles.trust(state);
        try {
            return of(identity, trust, inventory, limits);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot use the overlord's key and certificate in " + state.overlord()
                    + ": " + e.getMessage());
        }
    }

    /** An overlord from explicit parts (tests, embedding). */
    public static Overlord of(Identity identity, CaTrust trust, Inventory inventory, FanOut.Limits limits)
            throws GeneralSecurityException {
        Objects.requireNonNull(inventory, "inventory");
        return new Overlord(inventory, new FanOut(TlsContexts.mutual(identity, trust), limits));
    }

    /** The same identity and warm connections with another inventory (a re-read); close only one of the two. */
    public Overlord withInventory(Inventory newInventory) {
        return new Overlord(Objects.requireNonNull(newInventory, "inventory"), fanOut);
    }

    public Inventory inventory() {
        return inventory;
    }

    /** The fan-out, for calls beyond {@link #call} (different calls per minion, long polls). */
    public FanOut fanOut() {
        return fanOut;
    }

    /** Parses and resolves a target; see {@link Inventory#select}. */
    public Selection select(String target) throws TargetException, NoMatchException {
        return inventory.select(target);
    }

    /**
     * Calls {@code call} on every minion of {@code selection}; blocks until each has an outcome
     * (at most its timeout after its call started). Names not in the inventory are answered
     * UNREACHABLE without a call, in their place in target order.
     */
    public CallResult call(Selection selection, MethodCall call, FanOutListener listener) {
        return call(selection, call, null, listener);
    }

    /** As {@link #call(Selection, MethodCall, FanOutListener)}, each minion's call bounded by {@code timeout} (null: the limits'). */
    public CallResult call(Selection selection, MethodCall call, java.time.Duration timeout, FanOutListener listener) {
        return call(selection, call, timeout, listener, null);
    }

    /**
     * As {@link #call(Selection, MethodCall, java.time.Duration, FanOutListener)}, as a rolling
     * {@code batch} over the selection's known minions (null: none); see {@link FanOut}.
     */
    public CallResult call(Selection selection, MethodCall call, java.time.Duration timeout, FanOutListener listener,
                           Batch batch) {
        FanOutListener l = listener == null ? FanOutListener.NONE : listener;
        CallResult called = fanOut.call(selection.minions(), m -> call, timeout == null ? fanOut.limits().timeout() : timeout,
                l, batch);
        Map<String, MinionResult> byName = new HashMap<>();
        called.results().forEach(r -> byName.put(r.minion(), r));
        List<MinionResult> ordered = new ArrayList<>(selection.names().size());
        for (String name : selection.names()) {
            MinionResult r = byName.get(name);
            if (r == null) {
                r = selection.revoked().contains(name) ? revoked(name) : notInInventory(name);
                MinionResult unknown = r;
                try {
                    l.finished(unknown);
                } catch (RuntimeException e) {
                    // listeners must not break the call
                }
            }
            ordered.add(r);
        }
        return new CallResult(call.method(), ordered);
    }

    /** Convenience: select {@code target} and call {@code method(params...)} on it. */
    public CallResult call(String target, String method, Object... params) throws TargetException, NoMatchException {
        return call(select(target), MethodCall.of(method, params), FanOutListener.NONE);
    }

    /** What a revoked minion's error message starts with (the CLI labels it {@code revoked}). */
    public static final String REVOKED = "revoked: ";

    /** The result for a name whose certificate the CA revoked: never called. */
    public static MinionResult revoked(String name) {
        return MinionResult.failure(name, new CallError(CallError.Kind.TLS, 0, REVOKED + "the CA revoked its certificate;"
                + " to let it enrol again: jfunc-ca clean " + name + ", then restart its jfuncd"), java.time.Duration.ZERO);
    }

    /** The result for a name the target gave that the inventory does not know. */
    public static MinionResult notInInventory(String name) {
        return MinionResult.failure(name, new CallError(CallError.Kind.UNREACHABLE, 0,
                "not in the inventory (no signed CA record and no entry in the overrides file)"), java.time.Duration.ZERO);
    }

    @Override
    public void close() {
        fanOut.close();
    }
}
