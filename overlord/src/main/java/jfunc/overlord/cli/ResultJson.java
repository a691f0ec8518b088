package jfunc.overlord.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import jfunc.overlord.CallResult;
import jfunc.overlord.MinionResult;
import jfunc.overlord.json.Json;

/**
 * The {@code --json} output: one object, minion → {@code {"ok": VALUE}} or
 * {@code {"error": {"kind", "code", "label", "message"}}}, in target order. {@code kind} is
 * unreachable, timeout, tls, fault or protocol; {@code code} is the fault code (0 otherwise);
 * base64 values are strings.
 */
final class ResultJson {
    private ResultJson() {}

    static String render(CallResult result) {
        Map<String, Object> all = new LinkedHashMap<>();
        for (MinionResult r : result.results()) {
            if (r.ok()) {
                all.put(r.minion(), Map.of("ok", r.value()));
            } else {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("kind", r.error().kind().name().toLowerCase(java.util.Locale.ROOT));
                e.put("code", r.error().faultCode());
                e.put("label", r.error().label());
                e.put("message", r.error().message());
                all.put(r.minion(), Map.of("error", e));
            }
        }
        return Json.writePretty(all);
    }
}
