package jfunc.overlord.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.rpc.CallError;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.MinionResult;
import jfunc.common.json.Json;

/**
 * The {@code --json} output, one shape for every command: an object by minion, in target order,
 * each {@code {"ok": VALUE}} or {@code {"error": {"kind", "code", "label", "message"}}}.
 * {@code kind} is unreachable, timeout, tls, fault or protocol; {@code code} is the fault code
 * (0 otherwise); base64 values are strings. A {@code command.run} value is
 * {@code {"exit", "stdout", "stderr"}}; when its exit code is not success the entry also holds
 * {@code "failed": true}.
 */
final class ResultJson {
    private ResultJson() {}

    static String render(CallResult result, CommandExits exits) {
        Map<String, Object> all = new LinkedHashMap<>();
        for (MinionResult r : result.results()) {
            all.put(r.minion(), r.ok() ? ok(result.method(), r.value(), exits) : Map.of("error", error(r.error())));
        }
        return Json.writePretty(all);
    }

    /** {@code {"ok": VALUE}}, with command.run's value as a struct and {@code "failed": true} when it failed. */
    static Map<String, Object> ok(String method, Object value, CommandExits exits) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("ok", okValue(method, value));
        if (exits.failed(method, value)) {
            e.put("failed", true);
        }
        return e;
    }

    /** A value as JSON shows it: command.run's {@code [exit, stdout, stderr]} as a struct. */
    static Object okValue(String method, Object value) {
        if (CommandExits.exitCode(method, value) == null) {
            return value;
        }
        List<?> parts = value instanceof Object[] a ? List.of(a) : (List<?>) value;
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("exit", parts.get(0));
        run.put("stdout", parts.get(1));
        run.put("stderr", parts.get(2));
        return run;
    }

    static Map<String, Object> error(CallError error) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", error.kind().name().toLowerCase(java.util.Locale.ROOT));
        e.put("code", error.faultCode());
        e.put("label", ResultTable.label(error));
        e.put("message", error.message());
        return e;
    }
}
