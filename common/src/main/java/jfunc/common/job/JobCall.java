package jfunc.common.job;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jfunc.common.Faults;
import jfunc.common.Ids;
import org.apache.xmlrpc.XmlRpcException;

/**
 * One call of the job protocol, parsed: {@code async.MODULE.METHOD(args...)} or a {@code jobs.*}
 * method, with its parameters checked once, here (count, types, request-id limits, job-id form);
 * a bad one is fault 103 (BAD_ARGUMENTS), an unknown {@code jobs.} name 102 (UNKNOWN_METHOD).
 * Whether an async target exists and takes its arguments is the minion's to check (its modules).
 */
public sealed interface JobCall {
    /** {@code async.METHOD(args...)}: run METHOD as a job. */
    record Async(String method, List<Object> args) implements JobCall {}

    /** {@code jobs.submit(request_id, "module.method", [args])}. */
    record Submit(String requestId, String method, List<Object> args) implements JobCall {}

    /** {@code jobs.status(id)}. */
    record Status(String id) implements JobCall {}

    /** {@code jobs.status_many([ids])}: the ids as sent (each a string, well-formed or not). */
    record StatusMany(List<String> ids) implements JobCall {}

    /** {@code jobs.list([since])}: {@code after} is null (all) or an id that every listed job's id sorts after. */
    record ListJobs(String after) implements JobCall {}

    /** {@code jobs.wait(id, seconds)}: {@code seconds} as sent (not clamped). */
    record Wait(String id, double seconds) implements JobCall {}

    /** {@code jobs.cancel(id)}. */
    record Cancel(String id) implements JobCall {}

    /** One parameter of a jobs method, for messages and help. */
    record Param(String name, String type, boolean optional) {}

    /** A jobs method: its parameters and its help line. */
    record Spec(String method, List<Param> params, String help) {
        /** {@code status(id: string)}, as the other methods' signatures read. */
        public String signature() {
            StringBuilder s = new StringBuilder(method.substring(JobProtocol.JOBS_PREFIX.length())).append('(');
            for (int i = 0; i < params.size(); i++) {
                Param p = params.get(i);
                String text = p.name() + ": " + p.type();
                s.append(p.optional() ? "[" + (i > 0 ? ", " : "") + text + "]" : (i > 0 ? ", " : "") + text);
            }
            return s.append(')').toString();
        }

        int min() {
            return (int) params.stream().filter(p -> !p.optional()).count();
        }
    }

    /** The jobs methods, sorted by name. */
    List<Spec> SPECS = List.of(
            new Spec(JobProtocol.CANCEL, List.of(new Param("id", "string", false)),
                    "Stops the job: a queued one leaves its queue, a running one has its process trees killed; it ends"
                            + " CANCELLED with who cancelled it and when. Answers {id, cancelled, state, message}; a job"
                            + " that already ended is left as it is (cancelled false). Granted only by an ACL line that"
                            + " names jobs.cancel."),
            new Spec(JobProtocol.LIST, List.of(new Param("since", "string", true)),
                    "The newest job records (without results), optionally only those after a job id or since an ISO"
                            + " time."),
            new Spec(JobProtocol.STATUS, List.of(new Param("id", "string", false)),
                    "The job's record; fault 108 (unknown job) for an unknown or purged id."),
            new Spec(JobProtocol.STATUS_MANY, List.of(new Param("ids", "array", false)),
                    "Records of many jobs in one call: a struct id -> record; unknown ids get {state: UNKNOWN, reason}."),
            new Spec(JobProtocol.SUBMIT, List.of(new Param("request_id", "string", false),
                    new Param("method", "string", false), new Param("args", "array", true)),
                    "Runs module.method(args) as a job and returns its id; a repeated request_id returns the first"
                            + " job's id and runs nothing."),
            new Spec(JobProtocol.WAIT, List.of(new Param("id", "string", false), new Param("seconds", "double", false)),
                    "The job's record as soon as it is no longer QUEUED or RUNNING, or after the seconds passed"
                            + " (clamped to 0..jobs.max_wait, default 300)."));

    /** The spec of a {@code jobs.*} method, or null. */
    static Spec spec(String method) {
        for (Spec s : SPECS) {
            if (s.method().equals(method)) {
                return s;
            }
        }
        return null;
    }

    /**
     * Parses one call whose name {@link JobProtocol#isJobMethod} accepts.
     *
     * @throws XmlRpcException 102 for an unknown {@code jobs.} method, 103 for parameters that do not fit
     */
    static JobCall parse(String method, List<Object> params) throws XmlRpcException {
        if (method.startsWith(JobProtocol.ASYNC_PREFIX)) {
            return new Async(method.substring(JobProtocol.ASYNC_PREFIX.length()), List.copyOf(nonNull(params)));
        }
        Spec spec = spec(method);
        if (spec == null) {
            throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + Parsing.printable(method));
        }
        Parsing.shape(spec, params);
        return switch (method) {
            case JobProtocol.SUBMIT -> {
                String requestId = (String) params.get(0);
                if (!JobProtocol.isValidRequestId(requestId)) {
                    throw Parsing.bad("request_id must be a non-empty string of at most " + JobProtocol.MAX_REQUEST_ID
                            + " characters");
                }
                yield new Submit(requestId, (String) params.get(1), params.size() == 3 ? Parsing.list(params.get(2))
                        : List.of());
            }
            case JobProtocol.STATUS -> new Status(Parsing.jobId(params.get(0)));
            case JobProtocol.STATUS_MANY -> {
                List<String> ids = new ArrayList<>();
                for (Object o : Parsing.list(params.get(0))) {
                    if (!(o instanceof String id)) {
                        throw Parsing.bad(JobProtocol.STATUS_MANY + ": every id must be a string, not " + Parsing.typeOf(o));
                    }
                    ids.add(id);
                }
                yield new StatusMany(ids);
            }
            case JobProtocol.LIST -> new ListJobs(params.isEmpty() ? null : Parsing.after((String) params.get(0)));
            case JobProtocol.WAIT -> {
                double seconds = ((Number) params.get(1)).doubleValue();
                if (Double.isNaN(seconds)) {
                    throw Parsing.bad(JobProtocol.WAIT + ": seconds must be a number, not NaN");
                }
                yield new Wait(Parsing.jobId(params.get(0)), seconds);
            }
            case JobProtocol.CANCEL -> new Cancel(Parsing.jobId(params.get(0)));
            default -> throw new IllegalStateException("no parser for " + method);
        };
    }

    private static List<Object> nonNull(List<Object> params) {
        return params == null ? List.of() : params;
    }

    /** The checks behind {@link #parse}. */
    final class Parsing {
        private static final DateTimeFormatter ID_PREFIX =
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

        private Parsing() {}

        /** Count and types, worded as for every other method ("jobs.status: takes 1 argument, got 2 (status(id: string))"). */
        static void shape(Spec spec, List<Object> p) throws XmlRpcException {
            int max = spec.params().size();
            int min = spec.min();
            if (p.size() < min || p.size() > max) {
                String wanted = min == max ? String.valueOf(max) : min + " to " + max;
                throw bad(spec.method() + ": takes " + wanted + " argument" + (max == 1 ? "" : "s") + ", got " + p.size()
                        + " (" + spec.signature() + ")");
            }
            for (int i = 0; i < p.size(); i++) {
                Object v = p.get(i);
                boolean fits = switch (spec.params().get(i).type()) {
                    case "string" -> v instanceof String;
                    case "array" -> v instanceof Object[] || v instanceof List<?>;
                    case "double" -> v instanceof Double || v instanceof Integer;
                    default -> false;
                };
                if (!fits) {
                    throw bad(spec.method() + ": argument " + (i + 1) + " must be " + spec.params().get(i).type()
                            + ", got " + wireType(v));
                }
            }
        }

        static List<Object> list(Object o) {
            return o instanceof Object[] a ? Arrays.asList(a) : new ArrayList<>((List<?>) o);
        }

        static String jobId(Object o) throws XmlRpcException {
            String id = (String) o;
            if (!Ids.isValid(id)) {
                throw bad("malformed job id '" + id + "' (job ids look like 20261123-013045-123-7f3a9c01-5be0c2d94a17e3f8)");
            }
            return id;
        }

        /** A job id, or an ISO time as the id prefix every job made at or after it sorts after; "" is none. */
        static String after(String since) throws XmlRpcException {
            if (since.isEmpty()) {
                return null;
            }
            if (Ids.isValid(since)) {
                return since;
            }
            try {
                return ID_PREFIX.format(Instant.parse(since)) + "-";
            } catch (DateTimeParseException e) {
                throw bad(JobProtocol.LIST + ": since must be a job id or an ISO time such as 2026-11-23T01:30:00Z, not '"
                        + since + "'");
            }
        }

        static String typeOf(Object o) {
            if (o instanceof Object[]) {
                return "an array";
            }
            if (o instanceof Map) {
                return "a struct";
            }
            return o == null ? "nothing" : "a " + o.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        }

        private static String wireType(Object v) {
            if (v instanceof Integer) {
                return "int";
            }
            if (v instanceof Boolean) {
                return "boolean";
            }
            if (v instanceof Double) {
                return "double";
            }
            if (v instanceof String) {
                return "string";
            }
            if (v instanceof byte[]) {
                return "base64";
            }
            if (v instanceof Map<?, ?>) {
                return "struct";
            }
            if (v instanceof Object[] || v instanceof List<?>) {
                return "array";
            }
            return v == null ? "nil" : v.getClass().getSimpleName();
        }

        static String printable(String s) {
            String cut = s.length() > 100 ? s.substring(0, 100) + "..." : s;
            return cut.replaceAll("[^\\x20-\\x7e]", "?");
        }

        static XmlRpcException bad(String message) {
            return new XmlRpcException(Faults.BAD_ARGUMENTS, message);
        }
    }
}
