package jfunc.minion.modules;

import java.util.List;
import jfunc.minion.ArgType;
import jfunc.minion.MethodSpec;
import jfunc.minion.MinionModule;

/** {@code test}: liveness and wire checks (ping, echo, add, sleep). */
public final class TestModule implements MinionModule {
    /** The longest sleep a caller may ask for. */
    static final double MAX_SLEEP_SECONDS = 300;

    @Override
    public String name() {
        return "test";
    }

    @Override
    public List<MethodSpec> methods() {
        return List.of(
                MethodSpec.method("ping").readOnly().help("Returns true: the minion is up and you may call it.")
                        .handler((a, c) -> true),
                MethodSpec.method("echo").readOnly().help("Returns its argument unchanged.")
                        .param("value", ArgType.ANY)
                        .handler((a, c) -> a.get(0)),
                MethodSpec.method("add").readOnly().help("Adds two whole numbers (32-bit).")
                        .param("a", ArgType.INT).param("b", ArgType.INT)
                        .handler((a, c) -> {
                            try {
                                return Math.addExact(a.integer(0), a.integer(1));
                            } catch (ArithmeticException e) {
                                throw a.bad("the sum does not fit a 32-bit int");
                            }
                        }),
                MethodSpec.method("sleep").readOnly().help("Sleeps for the given seconds (at most " + (int) MAX_SLEEP_SECONDS
                                + "), then returns true.")
                        .param("seconds", ArgType.DOUBLE)
                        .handler((a, c) -> {
                            double s = a.number(0);
                            if (!(s >= 0 && s <= MAX_SLEEP_SECONDS)) {
                                throw a.bad("seconds must be between 0 and " + (int) MAX_SLEEP_SECONDS + ", got " + s);
                            }
                            Thread.sleep(Math.round(s * 1000));
                            return true;
                        }));
    }
}
