package jfunc.overlord.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jfunc.common.json.Json;
import jfunc.overlord.CertExpiry;
import jfunc.overlord.CommandExits;
import jfunc.overlord.Liveness;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.NoMatchException;
import jfunc.overlord.Selection;
import jfunc.overlord.TargetException;
import jfunc.overlord.jobs.Job;
import jfunc.overlord.jobs.JobState;
import jfunc.overlord.jobs.JobSummary;
import jfunc.overlord.jobs.MinionJob;
import jfunc.overlord.jobs.MinionState;
import jfunc.overlord.web.WebTable.Cell;
import jfunc.overlord.web.WebTable.Row;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's pages as data ({@link Page}): rendered once to HTML, and to JSON for the
 * page script's live updates. Tables are paged, so a page never holds more than
 * {@link #MINIONS_PER_PAGE} minion rows or {@link #JOBS_PER_PAGE} job rows.
 */
final class Pages {
    private static final Logger log = LoggerFactory.getLogger(Pages.class);
    static final int MINIONS_PER_PAGE = 100;
    static final int JOBS_PER_PAGE = 50;
    /** Jobs counted per state at most (as the metrics do). */
    static final int MAX_COUNTED = 10_000;
    /** How long per-state job counts are kept before they are counted again (in the background). */
    static final long COUNTS_MILLIS = 5_000;
    /** The page script's pause between two updates; never under one second. */
    static final int LIVE_MILLIS = 1_000;

    /** An HTTP answer. */
    record Answer(int status, String contentType, String body) {}

    /**
     * One page: {@code nav} is the active menu entry; {@code controls} and {@code pager} are HTML
     * built here with every value escaped; {@code live} the JSON URL the script polls, or null.
     */
    record Page(String nav, String heading, String controls, List<Map.Entry<String, String>> info, List<String> headers,
                List<Row> rows, String pager, String live, boolean stillLive) {}

    private final Dashboard.Source source;
    private final java.util.concurrent.ExecutorService counter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dashboard-job-counts");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<JobState, Integer> counts;
    private volatile long countedAt;
    private final java.util.concurrent.atomic.AtomicBoolean counting = new java.util.concurrent.atomic.AtomicBoolean();

    Pages(Dashboard.Source source) {
        this.source = source;
    }

    Answer answer(String path, Fields q) {
        try {
            boolean json = path.startsWith("/api/");
            String page = json ? path.substring(4) : path;
            Page p;
            if (page.equals("/") || page.equals("/minions")) {
                p = minions(q);
            } else if (page.equals("/jobs")) {
                p = jobs(q);
            } else if (page.startsWith("/job/")) {
                p = job(page.substring("/job/".length()), q);
                if (p == null) {
                    return notFound("no job " + page.substring("/job/".length()) + " in the store (purged, or never made)");
                }
            } else if (page.equals("/health")) {
                p = health();
            } else if (path.equals("/metrics")) {
                return new Answer(200, "text/plain; version=0.0.4; charset=utf-8", source.metrics());
            } else {
                return notFound("no page " + path);
            }
            return json ? new Answer(200, "application/json; charset=utf-8", json(p)) : new Answer(200,
                    "text/html; charset=utf-8", html(p));
        } catch (RuntimeException | jfunc.common.Config.ConfigException e) {
            log.warn("dashboard {}: {}", path, e.toString());
            return new Answer(500, "text/html; charset=utf-8", message("Error", "this page failed: " + e.getMessage()));
        }
    }

    // ---- minions ----

    Page minions(Fields q) throws jfunc.common.Config.ConfigException {
        String target = param(q, "target", "*");
        int pageNo = intParam(q, "page");
        List<Row> rows = new ArrayList<>();
        List<Map.Entry<String, String>> info = new ArrayList<>();
        Selection s = null;
        try {
            s = source.api().minions(target);
        } catch (NoMatchException | TargetException e) {
            info.add(Map.entry("Target", e.getMessage()));
        }
        int total = 0;
        if (s != null) {
            List<String> names = new ArrayList<>();
            s.minions().forEach(m -> names.add(m.name()));
            names.addAll(s.revoked().stream().filter(n -> !names.contains(n)).toList());
            total = names.size();
            Map<String, MinionAddress> at = new LinkedHashMap<>();
            s.minions().forEach(m -> at.put(m.name(), m));
            java.util.Set<String> revoked = new java.util.HashSet<>(s.revoked());
            Map<Liveness.State, Integer> states = new EnumMap<>(Liveness.State.class);
            int soon = 0;
            Instant now = Instant.now();
            int from = (pageNo - 1) * MINIONS_PER_PAGE;
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                MinionAddress a = at.get(name);
                Liveness l = a == null ? null : source.liveness(name);
                Instant expires = a == null ? null : source.certExpires(name);
                if (l != null) {
                    states.merge(l.state(), 1, Integer::sum);
                }
                boolean expiresSoon = CertExpiry.soon(expires, now);
                if (expiresSoon) {
                    soon++;
                }
                if (i < from || i >= from + MINIONS_PER_PAGE) {
                    continue;
                }
                if (a == null) {
                    rows.add(new Row(name, List.of(Cell.of(name), Cell.of("-"), Cell.of(revoked.contains(name) ? "revoked"
                            : "not in the inventory", "bad"), Cell.of("-"), Cell.of("-"), Cell.of("-"),
                            Cell.of(revoked.contains(name) ? "revoked" : "-", "bad")), "revoked"));
                    continue;
                }
                rows.add(new Row(name, List.of(Cell.of(name), Cell.of(a.hostPort()), Cell.of(l.stateText(), stateClass(l)),
                        Cell.of(Liveness.Times.at(l.lastSeen())), Cell.of(Liveness.Times.rtt(l.rtt())),
                        Cell.of(expires == null ? "unknown" : Liveness.Times.day(expires), expiresSoon ? "soon" : null),
                        Cell.of("no")), null));
            }
            info.add(Map.entry("Minions", Integer.toString(total)));
            for (Liveness.State st : Liveness.State.values()) {
                info.add(Map.entry(capital(st.label()), Integer.toString(states.getOrDefault(st, 0))));
            }
            info.add(Map.entry("Revoked", Integer.toString(s.revoked().size())));
            info.add(Map.entry("Certificates expiring within 30 days", Integer.toString(soon)));
        }
        String controls = "<form method=\"get\" action=\"/minions\" class=\"filter\"><label for=\"target\">Target</label> "
                + "<input id=\"target\" name=\"target\" value=\"" + Html.esc(target) + "\" placeholder=\"web*;!web3\" size=\"40\">"
                + " <button type=\"submit\">Filter</button> <span class=\"hint\">globs, @group, ';' lists, '!' excludes</span></form>";
        String base = "/minions?target=" + Html.url(target) + "&page=";
        return new Page("minions", "Minions", controls, info,
                List.of("Minion", "Address", "State", "Last seen", "RTT", "Certificate expires", "Revoked"), rows,
                pager(base, pageNo, total, MINIONS_PER_PAGE), "/api" + base + pageNo, true);
    }

    private static String stateClass(Liveness l) {
        return switch (l.state()) {
            case ANSWERING -> "ok";
            case NOT_ANSWERING -> "bad";
            case NEVER_SEEN -> "never";
        };
    }

    // ---- jobs ----

    Page jobs(Fields q) throws jfunc.common.Config.ConfigException {
        String st = param(q, "state", "");
        JobState state = null;
        List<Map.Entry<String, String>> info = new ArrayList<>();
        if (!st.isEmpty()) {
            try {
                state = JobState.parse(st);
            } catch (IllegalArgumentException e) {
                info.add(Map.entry("State", e.getMessage()));
                st = "";
            }
        }
        String before = param(q, "before", null);
        List<JobSummary> list = source.api().list(state, before, JOBS_PER_PAGE + 1);
        boolean more = list.size() > JOBS_PER_PAGE;
        if (more) {
            list = list.subList(0, JOBS_PER_PAGE);
        }
        Map<JobState, Integer> c = counts();
        int all = 0;
        for (JobState s : JobState.values()) {
            if (s == JobState.INCOMPLETE) {
                continue;
            }
            int n = c.getOrDefault(s, 0);
            all += n;
            info.add(Map.entry(capital(s.name().toLowerCase(Locale.ROOT)), countText(n)));
        }
        info.add(Map.entry("Incomplete (submitter died)", countText(c.getOrDefault(JobState.INCOMPLETE, 0))));
        StringBuilder controls = new StringBuilder("<nav class=\"states\">State: ");
        controls.append(stateLink("all", "", st.isEmpty()));
        for (JobState s : JobState.values()) {
            controls.append(" · ").append(stateLink(s.name().toLowerCase(Locale.ROOT), s.name().toLowerCase(Locale.ROOT),
                    s.name().equalsIgnoreCase(st)));
        }
        controls.append("</nav>");
        List<Row> rows = new ArrayList<>();
        for (JobSummary s : list) {
            int errors = s.count(MinionState.REMOTE_ERROR) + s.count(MinionState.LOST);
            rows.add(new Row(s.id(), List.of(Cell.link(s.id(), "/job/" + Html.url(s.id())),
                    Cell.of(s.state().name(), jobClass(s.state())), Cell.of(Liveness.Times.at(s.submitted())),
                    Cell.of(s.method() + " " + s.args()), Cell.of(s.target()), Cell.of(Integer.toString(s.minionCount())),
                    Cell.of(Integer.toString(s.minionCount() - s.unfinished())),
                    Cell.of(Integer.toString(errors), errors > 0 ? "bad" : null)), null));
        }
        String stateQ = st.isEmpty() ? "" : "state=" + Html.url(st.toLowerCase(Locale.ROOT));
        StringBuilder pager = new StringBuilder("<nav class=\"pager\">");
        if (before != null) {
            pager.append("<a href=\"/jobs").append(stateQ.isEmpty() ? "" : "?" + Html.esc(stateQ)).append("\">« newest</a> ");
        }
        if (more) {
            String last = list.get(list.size() - 1).id();
            pager.append("<a href=\"/jobs?").append(Html.esc(stateQ.isEmpty() ? "" : stateQ + "&")).append("before=")
                    .append(Html.esc(Html.url(last))).append("\">older »</a>");
        }
        pager.append("</nav>");
        String live = "/api/jobs?" + (stateQ.isEmpty() ? "" : stateQ + "&") + (before == null ? "" : "before=" + Html.url(before));
        return new Page("jobs", "Jobs", controls.toString(), info,
                List.of("Job", "State", "Submitted (UTC)", "Call", "Target", "Minions", "Done", "Errors"), rows,
                pager.toString(), live, true);
    }

    private static String countText(int n) {
        return n >= MAX_COUNTED ? "≥ " + MAX_COUNTED : Integer.toString(n);
    }

    private static String stateLink(String label, String value, boolean on) {
        return "<a href=\"/jobs" + (value.isEmpty() ? "" : "?state=" + Html.esc(Html.url(value))) + "\""
                + (on ? " class=\"on\"" : "") + ">" + Html.esc(label) + "</a>";
    }

    private static String jobClass(JobState s) {
        return switch (s) {
            case FINISHED -> "ok";
            case INCOMPLETE -> "bad";
            default -> "running";
        };
    }

    /** Jobs by state, at most {@link #MAX_COUNTED} each; counted again in the background when older than a few seconds. */
    private Map<JobState, Integer> counts() throws jfunc.common.Config.ConfigException {
        Map<JobState, Integer> c = counts;
        if (c == null) {
            c = count();
            counts = c;
            countedAt = System.nanoTime();
            return c;
        }
        if (System.nanoTime() - countedAt > COUNTS_MILLIS * 1_000_000 && counting.compareAndSet(false, true)) {
            counter.execute(() -> {
                try {
                    counts = count();
                    countedAt = System.nanoTime();
                } catch (Exception e) {
                    log.debug("counting jobs: {}", e.toString());
                } finally {
                    counting.set(false);
                }
            });
        }
        return c;
    }

    private Map<JobState, Integer> count() throws jfunc.common.Config.ConfigException {
        Map<JobState, Integer> c = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            c.put(s, source.api().list(s, null, MAX_COUNTED).size());
        }
        return c;
    }

    // ---- one job ----

    /** What the "show" filter of a job page keeps. */
    private enum Show {
        ALL, FAILED, UNFINISHED;

        boolean keeps(MinionJob m, String method) {
            return switch (this) {
                case ALL -> true;
                case FAILED -> m.state() == MinionState.REMOTE_ERROR || m.state() == MinionState.LOST
                        || (m.state() == MinionState.FINISHED && CommandExits.ZERO.failed(method, m.result()));
                case UNFINISHED -> !m.state().isDone();
            };
        }
    }

    Page job(String id, Fields q) throws jfunc.common.Config.ConfigException {
        Job j = source.api().jobs(List.of(id)).get(id);
        if (j == null) {
            return null;
        }
        JobSummary s = j.summary();
        Show show;
        try {
            show = Show.valueOf(param(q, "show", "all").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            show = Show.ALL;
        }
        int pageNo = intParam(q, "page");
        List<Map.Entry<String, String>> info = new ArrayList<>();
        info.add(Map.entry("Job", s.id()));
        info.add(Map.entry("State", s.state().name()));
        info.add(Map.entry("Call", s.method() + " " + s.args()));
        info.add(Map.entry("Target", s.target()));
        info.add(Map.entry("Submitted", Liveness.Times.at(s.submitted())));
        info.add(Map.entry("Submitted by", s.submitter() == null ? "the fan-out is over (submitter not kept)"
                : "pid " + s.submitter().pid()));
        info.add(Map.entry("Deadline", s.deadline() == null ? "none" : Liveness.Times.at(s.deadline())));
        StringBuilder counts = new StringBuilder().append(s.minionCount());
        int failed = (int) j.minions().stream().filter(m -> m.state() == MinionState.FINISHED
                && CommandExits.ZERO.failed(s.method(), m.result())).count();
        for (MinionState st : MinionState.values()) {
            int n = s.count(st) - (st == MinionState.FINISHED ? failed : 0);
            if (n > 0) {
                counts.append(", ").append(n).append(' ').append(st.name().toLowerCase(Locale.ROOT));
            }
        }
        if (failed > 0) {
            counts.append(", ").append(failed).append(" failed (exit code)");
        }
        info.add(Map.entry("Minions", counts.toString()));
        List<MinionJob> kept = new ArrayList<>();
        for (MinionJob m : j.minions()) {
            if (show.keeps(m, s.method())) {
                kept.add(m);
            }
        }
        int from = Math.min((pageNo - 1) * MINIONS_PER_PAGE, kept.size());
        List<Row> rows = new ArrayList<>();
        for (MinionJob m : kept.subList(from, Math.min(kept.size(), from + MINIONS_PER_PAGE))) {
            rows.add(minionRow(m, s.method()));
        }
        String showName = show.name().toLowerCase(Locale.ROOT);
        String path = "/job/" + Html.url(s.id());
        StringBuilder controls = new StringBuilder("<nav class=\"states\">Show: ");
        String sep = "";
        for (Show sh : Show.values()) {
            String n = sh.name().toLowerCase(Locale.ROOT);
            controls.append(sep).append("<a href=\"").append(Html.esc(path + "?show=" + n)).append('"')
                    .append(sh == show ? " class=\"on\"" : "").append('>').append(n).append("</a>");
            sep = " · ";
        }
        controls.append("</nav>");
        String base = path + "?show=" + showName + "&page=";
        return new Page("jobs", "Job " + s.id(), controls.toString(), info,
                List.of("Minion", "State", "Result", "Output"), rows, pager(base, pageNo, kept.size(), MINIONS_PER_PAGE),
                "/api" + base + pageNo, s.state() != JobState.FINISHED);
    }

    private static Row minionRow(MinionJob m, String method) {
        String state = m.state().name().toLowerCase(Locale.ROOT);
        String cls = m.state().isDone() ? "ok" : "running";
        String result;
        String output = "";
        if (m.state() == MinionState.FINISHED) {
            Integer exit = CommandExits.exitCode(method, m.result());
            if (exit != null) {
                List<?> parts = m.result() instanceof Object[] a ? List.of(a) : (List<?>) m.result();
                result = "exit " + exit;
                String out = String.valueOf(parts.get(1));
                String err = String.valueOf(parts.get(2));
                output = err.isEmpty() ? out : out + (out.isEmpty() || out.endsWith("\n") ? "" : "\n") + "[stderr]\n" + err;
                if (exit != 0) {
                    state = "failed";
                    cls = "bad";
                }
            } else if (m.result() instanceof String text && !text.contains("\n") && text.length() <= 100) {
                result = text;
            } else if (m.result() instanceof String text) {
                result = "text";
                output = text;
            } else {
                String flat = Json.write(m.result());
                result = flat.length() <= 100 ? flat : "value";
                output = flat.length() <= 100 ? "" : Json.writePretty(m.result());
            }
        } else if (m.error() != null) {
            result = m.error().kind() + ": " + m.error().message();
            if (m.state().isDone()) {
                cls = "bad";
            } else {
                result = (m.awaitsResubmission() ? "not submitted yet, re-sent until the deadline; last try: "
                        : "still running; last poll: ") + result;
            }
        } else {
            result = m.state() == MinionState.RUNNING ? "running (minion job " + m.jobId() + ")" : "being submitted";
        }
        return new Row(m.minion(), List.of(Cell.of(m.minion()), Cell.of(state, cls), Cell.of(result), Cell.pre(output)), null);
    }

    // ---- health ----

    Page health() {
        String controls = "<p>Prometheus metrics of this service: <a href=\"/metrics\">/metrics</a></p>";
        return new Page("health", "Service health", controls, source.health(), List.of(), List.of(), "", "/api/health", true);
    }

    // ---- rendering ----

    private static final String LAYOUT = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{title}} · jfunc</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/static/dashboard.css"></head>
            <body data-live="{{live}}" data-every="{{every}}" data-still-live="{{stillLive}}">
            <header><strong>jfunc</strong><nav class="menu">{{menu}}</nav><span id="updated"></span></header>
            <main><h1>{{heading}}</h1>
            {{controls}}
            <dl id="info">{{info}}</dl>
            {{table}}
            {{pager}}
            </main>
            <script src="/static/dashboard.js"></script>
            </body></html>
            """;

    static String html(Page p) {
        StringBuilder menu = new StringBuilder();
        for (String[] m : new String[][] {{"minions", "/minions", "Minions"}, {"jobs", "/jobs", "Jobs"},
            {"health", "/health", "Service health"}}) {
            menu.append("<a href=\"").append(m[1]).append('"').append(m[0].equals(p.nav()) ? " class=\"on\"" : "")
                    .append('>').append(m[2]).append("</a>");
        }
        Map<String, String> v = new java.util.HashMap<>();
        v.put("title", Html.esc(p.heading()));
        v.put("heading", Html.esc(p.heading()));
        v.put("live", Html.esc(p.live() == null ? "" : p.live()));
        v.put("every", Integer.toString(LIVE_MILLIS));
        v.put("stillLive", Boolean.toString(p.stillLive()));
        v.put("menu", menu.toString());
        v.put("controls", p.controls());
        v.put("info", info(p.info()));
        v.put("table", p.headers().isEmpty() ? "" : WebTable.html(p.headers(), p.rows()));
        v.put("pager", p.pager());
        return Html.fill(LAYOUT, v);
    }

    private static String info(List<Map.Entry<String, String>> info) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : info) {
            b.append("<div><dt>").append(Html.esc(e.getKey())).append("</dt><dd>").append(Html.esc(e.getValue()))
                    .append("</dd></div>");
        }
        return b.toString();
    }

    static String json(Page p) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> info = new ArrayList<>();
        p.info().forEach(e -> info.add(List.of(e.getKey(), e.getValue())));
        m.put("info", info);
        m.put("rows", WebTable.json(p.rows()));
        m.put("live", p.stillLive());
        return Json.write(m);
    }

    private static String pager(String base, int pageNo, int total, int perPage) {
        int pages = Math.max(1, (total + perPage - 1) / perPage);
        if (pages == 1) {
            return "";
        }
        StringBuilder b = new StringBuilder("<nav class=\"pager\">");
        if (pageNo > 1) {
            b.append("<a href=\"").append(Html.esc(base + (pageNo - 1))).append("\">« previous</a> ");
        }
        b.append("page ").append(pageNo).append(" of ").append(pages);
        if (pageNo < pages) {
            b.append(" <a href=\"").append(Html.esc(base + (pageNo + 1))).append("\">next »</a>");
        }
        return b.append("</nav>").toString();
    }

    static String refused(String why) {
        return message("Token needed", "This dashboard needs its token: " + why + ".");
    }

    private static Answer notFound(String why) {
        return new Answer(404, "text/html; charset=utf-8", message("Not found", why));
    }

    private static String message(String heading, String text) {
        return Html.fill("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>{{h}} · jfunc</title>
                <link rel="stylesheet" href="/static/dashboard.css"></head>
                <body><main><h1>{{h}}</h1><p>{{t}}</p></main></body></html>
                """, Map.of("h", Html.esc(heading), "t", Html.esc(text)));
    }

    private static String param(Fields q, String name, String dflt) {
        String v = q.getValue(name);
        return v == null || v.isBlank() ? dflt : v.strip();
    }

    private static int intParam(Fields q, String name) {
        try {
            return Math.max(1, Integer.parseInt(param(q, name, "1")));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    void close() {
        counter.shutdownNow();
    }
}
