package jfunc.minion;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One method of a {@link MinionModule}: its name (without the module prefix), help text,
 * declared parameters and handler. Build one with {@link #method(String)}:
 * <pre>{@code
 * MethodSpec.method("add").help("Adds two whole numbers.")
 *         .param("a", ArgType.INT).param("b", ArgType.INT)
 *         .handler((args, ctx) -> args.integer(0) + args.integer(1));
 * }</pre>
 * Required parameters come first, then optional ones: {@link #minArgs()} is the number of
 * required parameters and {@link #maxArgs()} the number of all of them.
 */
public record MethodSpec(String name, String help, List<Param> params, Handler handler, boolean readOnly) {
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    /** A declared parameter: a name for help texts and the types it accepts. */
    public record Param(String name, Set<ArgType> types, boolean optional) {
        public Param {
            Objects.requireNonNull(name, "name");
            if (types.isEmpty()) {
                throw new IllegalArgumentException("parameter " + name + " declares no type");
            }
            types = Set.copyOf(types);
        }

        /** "string or array", in declaration order of {@link ArgType}. */
        public String typeText() {
            return EnumSet.copyOf(types).stream().map(ArgType::label).collect(Collectors.joining(" or "));
        }

        public boolean accepts(Object value) {
            return types.stream().anyMatch(t -> t.accepts(value));
        }
    }

    /**
     * The code behind a method. Arguments are already checked against the declaration. Throw
     * {@link org.apache.xmlrpc.XmlRpcException} with a code from {@link jfunc.common.Faults}
     * for a specific fault, {@link IllegalArgumentException} for a bad value (BAD_ARGUMENTS),
     * any other checked exception for a failure (MODULE_ERROR, with its message). The result
     * may be any Java value; it passes through {@link jfunc.common.WireValues}. Handlers that
     * run long should stop when their thread is interrupted (jobs are cancelled that way).
     */
    @FunctionalInterface
    public interface Handler {
        Object handle(Args args, CallContext context) throws Exception;
    }

    public MethodSpec {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad method name '" + name + "': use [a-z][a-z0-9_]*");
        }
        Objects.requireNonNull(handler, "handler");
        params = List.copyOf(params);
        boolean optionalSeen = false;
        for (Param p : params) {
            if (optionalSeen && !p.optional()) {
                throw new IllegalArgumentException(name + ": required parameter " + p.name() + " after an optional one");
            }
            optionalSeen |= p.optional();
        }
        help = help == null ? "" : help;
    }

    /** A method that is not read-only: identical calls each run. */
    public MethodSpec(String name, String help, List<Param> params, Handler handler) {
        this(name, help, params, handler, false);
    }

    public int minArgs() {
        return (int) params.stream().filter(p -> !p.optional()).count();
    }

    public int maxArgs() {
        return params.size();
    }

    /** "run(cmd: string or array[, options: struct])". */
    public String signature() {
        StringBuilder s = new StringBuilder(name).append('(');
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            String text = p.name() + ": " + p.typeText();
            if (p.optional()) {
                s.append('[').append(i > 0 ? ", " : "").append(text).append(']');
            } else {
                s.append(i > 0 ? ", " : "").append(text);
            }
        }
        return s.append(')').toString();
    }

    public static Builder method(String name) {
        return new Builder(name);
    }

    /** Collects help and parameters; {@link #handler} finishes the spec. */
    public static final class Builder {
        private final String name;
        private String help = "";
        private final List<Param> params = new ArrayList<>();
        private boolean readOnly;

        private Builder(String name) {
            this.name = name;
        }

        public Builder help(String text) {
            this.help = text;
            return this;
        }

        public Builder param(String paramName, ArgType type, ArgType... more) {
            params.add(new Param(paramName, EnumSet.of(type, more), false));
            return this;
        }

        public Builder optional(String paramName, ArgType type, ArgType... more) {
            params.add(new Param(paramName, EnumSet.of(type, more), true));
            return this;
        }

        /**
         * Declares that the method changes nothing and that one answer serves identical calls
         * (same arguments) made while it runs: they wait for the call in flight instead of
         * running again (merged requests; the overlord service merges across its clients too).
         */
        public Builder readOnly() {
            this.readOnly = true;
            return this;
        }

        public MethodSpec handler(Handler handler) {
            return new MethodSpec(name, help, params, handler, readOnly);
        }
    }
}
