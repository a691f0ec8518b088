package jfunc.overlord.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A page's table as data: rendered to HTML (every text escaped) for the first load and to JSON
 * for the live updates, which the script turns into DOM nodes with textContent only.
 */
final class WebTable {
    /** Lines of output shown before the rest is folded. */
    static final int FOLD_LINES = 20;

    /**
     * One cell. {@code cls}: a CSS class or null; {@code href}: a link (built by us, escaped too);
     * {@code pre}: preformatted output, folded past {@value #FOLD_LINES} lines.
     */
    record Cell(String text, String cls, String href, boolean pre) {
        static Cell of(String text) {
            return new Cell(text, null, null, false);
        }

        static Cell of(String text, String cls) {
            return new Cell(text, cls, null, false);
        }

        static Cell link(String text, String href) {
            return new Cell(text, null, href, false);
        }

        static Cell pre(String text) {
            return new Cell(text, null, null, true);
        }
    }

    /** A row: a key the live script matches rows by (a minion name, a job id), its cells and a CSS class (or null). */
    record Row(String key, List<Cell> cells, String cls) {}

    private WebTable() {}

    static String html(List<String> headers, List<Row> rows) {
        StringBuilder b = new StringBuilder(256 + rows.size() * 200);
        b.append("<table><thead><tr>");
        headers.forEach(h -> b.append("<th>").append(Html.esc(h)).append("</th>"));
        b.append("</tr></thead><tbody id=\"rows\">");
        for (Row r : rows) {
            b.append("<tr data-key=\"").append(Html.esc(r.key())).append('"');
            if (r.cls() != null) {
                b.append(" class=\"").append(Html.esc(r.cls())).append('"');
            }
            b.append('>');
            for (Cell c : r.cells()) {
                b.append(c.cls() == null ? "<td>" : "<td class=\"" + Html.esc(c.cls()) + "\">");
                cell(b, c);
                b.append("</td>");
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static void cell(StringBuilder b, Cell c) {
        if (c.href() != null) {
            b.append("<a href=\"").append(Html.esc(c.href())).append("\">").append(Html.esc(c.text())).append("</a>");
        } else if (c.pre() && c.text() != null && !c.text().isEmpty()) {
            String body = c.text().endsWith("\n") ? c.text().substring(0, c.text().length() - 1) : c.text();
            String[] lines = body.split("\n", -1); // a last newline ends the last line, it adds none
            if (lines.length > FOLD_LINES) {
                String head = String.join("\n", java.util.Arrays.copyOf(lines, FOLD_LINES));
                b.append("<details><summary><pre>").append(Html.esc(head)).append("</pre>")
                        .append(Html.esc("… " + (lines.length - FOLD_LINES) + " more lines")).append("</summary><pre>")
                        .append(Html.esc(String.join("\n", java.util.Arrays.copyOfRange(lines, FOLD_LINES, lines.length))))
                        .append("</pre></details>");
            } else {
                b.append("<pre>").append(Html.esc(c.text())).append("</pre>");
            }
        } else {
            b.append(Html.esc(c.text()));
        }
    }

    /** The rows as JSON values: [{k: key, c: class, d: [{t, c, h, p}]}], members left out when empty. */
    static List<Object> json(List<Row> rows) {
        List<Object> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            List<Object> cells = new ArrayList<>(r.cells().size());
            for (Cell c : r.cells()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("t", c.text() == null ? "" : c.text());
                if (c.cls() != null) {
                    m.put("c", c.cls());
                }
                if (c.href() != null) {
                    m.put("h", c.href());
                }
                if (c.pre()) {
                    m.put("p", true);
                }
                cells.add(m);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("k", r.key());
            if (r.cls() != null) {
                row.put("c", r.cls());
            }
            row.put("d", cells);
            out.add(row);
        }
        return out;
    }
}
