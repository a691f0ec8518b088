package jfunc.overlord.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jfunc.common.Config.ConfigException;
import jfunc.common.Suggestions;
import jfunc.common.job.JobProtocol;
import jfunc.overlord.CallResult;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;

/**
 * Before a call fans out: one round trip to one minion ({@code system.multicall} of
 * {@code system.list_methods} and {@code system.method_help}) says whether the method exists and
 * which types its parameters take. An unknown method is then reported once, with what to type
 * instead, rather than once per minion. When none of the first few minions answers, the call goes
 * out unchecked and each minion judges it.
 */
final class MethodCheck {
    /** How many minions are asked (at once) before giving up on the check. */
    static final int ASKED = 3;
    /** The check's deadline: it must not hold up a fan-out for long. */
    static final Duration DEADLINE = Duration.ofSeconds(5);

    private MethodCheck() {}

    /** The method's signature from the first minion that answers, or empty when none did. */
    static Optional<MethodSignature> check(OverlordApi overlord, Selection selection, String method, Duration timeout)
            throws ConfigException {
        List<MinionAddress> minions = selection.minions();
        if (minions.isEmpty() || method.startsWith(JobProtocol.ASYNC_PREFIX)) {
            return Optional.empty();
        }
        MethodCall batch = MethodCall.of("system.multicall", List.of(
                call("system.list_methods", List.of()), call("system.method_help", List.of(method))));
        Duration deadline = timeout.compareTo(DEADLINE) < 0 ? timeout : DEADLINE;
        List<MinionAddress> first = minions.subList(0, Math.min(ASKED, minions.size()));
        Selection few = new Selection(selection.target(), first.stream().map(MinionAddress::name).toList(), first, List.of());
        CallResult asked = overlord.call(few, batch, deadline, null);
        for (MinionResult r : asked.results()) {
            if (!r.ok() || !(r.value() instanceof Object[] answers) || answers.length != 2
                    || !(answers[0] instanceof Object[] listed) || !(listed[0] instanceof Object[] methods)) {
                continue;
            }
            Set<String> known = new LinkedHashSet<>();
            for (Object m : methods) {
                known.add(String.valueOf(m));
            }
            if (!known.contains(method)) {
                throw new ErrorReporter.UsageException("unknown method " + method + " on " + r.minion()
                        + suggestion(method, known) + "; list them with: jfunc " + r.minion()
                        + " call system list_methods");
            }
            if (answers[1] instanceof Object[] help && help[0] instanceof String text) {
                return Optional.ofNullable(MethodSignature.parse(text));
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** " (did you mean 'command.run'?)" from the Salt words and the minion's own methods. */
    static String suggestion(String method, Set<String> known) {
        String salt = SaltWords.method(method);
        if (salt != null && known.contains(salt)) {
            return " (did you mean '" + salt + "'?)";
        }
        List<String> same = new ArrayList<>();
        String name = method.substring(method.indexOf('.') + 1);
        for (String k : known) {
            if (k.endsWith("." + name)) {
                same.add(k);
            }
        }
        return same.isEmpty() ? Suggestions.didYouMean(method, known)
                : " (did you mean '" + String.join("' or '", same.subList(0, Math.min(3, same.size()))) + "'?)";
    }

    private static Map<String, Object> call(String method, List<Object> params) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("methodName", method);
        c.put("params", params);
        return c;
    }
}
