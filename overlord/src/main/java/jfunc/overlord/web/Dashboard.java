package jfunc.overlord.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jfunc.overlord.OverlordApi;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only web dashboard of jfunc-overlord (Jetty 12 core, no servlets): four server-built
 * pages (minions, jobs, a job, service health), the same data as JSON under {@code /api/} for the
 * pages' live updates, the service's metrics under {@code /metrics}, and one stylesheet and one
 * script from the jar.
 *
 * <p>Access: {@code ?token=T} with the token of {@link WebToken} sets an HttpOnly, SameSite=Strict
 * cookie and redirects to the same URL without the token; every other request needs that cookie
 * (403 without). Only GET and HEAD are answered (405 otherwise): nothing here changes anything.
 * Every answer carries a strict Content-Security-Policy (scripts and styles from this server only,
 * no inline script), and every value from a minion is HTML-escaped (the script sets text only).
 */
public final class Dashboard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    public static final String COOKIE = "jfunc_dashboard";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    static final int IDLE_TIMEOUT_MILLIS = 30_000;

    /** What the pages show: the service's overlord, heartbeat, certificates and health figures. */
    public interface Source {
        OverlordApi api();

        /** The heartbeat's view of a minion. */
        jfunc.overlord.Liveness liveness(String minion);

        /** When the minion's certificate expires, or null when unknown. */
        java.time.Instant certExpires(String minion);

        /** Service health as label and value pairs, in display order. */
        List<Map.Entry<String, String>> health();

        /** The Prometheus text of the service's metrics. */
        String metrics();
    }

    private final Server server;
    private final ServerConnector connector;
    private final Pages pages;

    private Dashboard(Server server, ServerConnector connector, Pages pages) {
        this.server = server;
        this.connector = connector;
        this.pages = pages;
    }

    /** Serves on {@code listen}; {@code token} guards every page. */
    public static Dashboard start(InetSocketAddress listen, WebToken token, Source source) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2, 60_000);
        threads.setName("dashboard");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(8 * 1024);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(listen.getHostString());
        connector.setPort(listen.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        server.addConnector(connector);
        Pages pages = new Pages(source);
        server.setHandler(new DashboardHandler(token, pages));
        server.setStopTimeout(2_000);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // not started
            }
            pages.close();
            throw e;
        }
        return new Dashboard(server, connector, pages);
    }

    /** The port it listens on (the real one when web_listen gave 0). */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.debug("stopping the dashboard: {}", e.toString());
        }
        pages.close();
    }

    private static final class DashboardHandler extends Handler.Abstract {
        private static final Map<String, String> STATIC = Map.of("/static/dashboard.css", "text/css; charset=utf-8",
                "/static/dashboard.js", "text/javascript; charset=utf-8");
        private final WebToken token;
        private final Pages pages;
        private final Map<String, byte[]> files = new java.util.HashMap<>();

        DashboardHandler(WebToken token, Pages pages) {
            this.token = token;
            this.pages = pages;
            for (String path : STATIC.keySet()) {
                String name = path.substring(path.lastIndexOf('/') + 1);
                try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IllegalStateException("missing resource " + name + " in the jar");
                    }
                    files.put(path, in.readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            HttpFields.Mutable h = response.getHeaders();
            h.put("Content-Security-Policy", CSP);
            h.put("X-Content-Type-Options", "nosniff");
            h.put("X-Frame-Options", "DENY");
            h.put("Referrer-Policy", "no-referrer");
            h.put(HttpHeader.CACHE_CONTROL, "no-store");
            String method = request.getMethod();
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                h.put(HttpHeader.ALLOW, "GET, HEAD");
                send(response, callback, 405, "text/plain; charset=utf-8", "read-only: GET and HEAD only\n", false);
                return true;
            }
            String path = Request.getPathInContext(request);
            byte[] file = files.get(path);
            if (file != null) {
                response.setStatus(200);
                h.put(HttpHeader.CONTENT_TYPE, STATIC.get(path));
                response.write(true, head ? null : ByteBuffer.wrap(file), callback);
                return true;
            }
            Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            String given = query.getValue("token");
            if (given != null) {
                if (!token.matches(given)) {
                    send(response, callback, 403, "text/html; charset=utf-8", Pages.refused("that token is not this"
                            + " service's (see STATE/overlord/web.token)"), head);
                    return true;
                }
                h.add(HttpHeader.SET_COOKIE, COOKIE + "=" + token.value() + "; Path=/; Max-Age="
                        + Duration.ofDays(30).toSeconds() + "; HttpOnly; SameSite=Strict");
                h.put(HttpHeader.LOCATION, (path.startsWith("/") && !path.startsWith("//") ? path : "/") + withoutToken(query));
                send(response, callback, 303, "text/plain; charset=utf-8", "", head);
                return true;
            }
            if (!hasCookie(request)) {
                send(response, callback, 403, "text/html; charset=utf-8", Pages.refused("open the URL jfunc-overlord"
                        + " logged at its first start, or add ?token= and the token in STATE/overlord/web.token"), head);
                return true;
            }
            Pages.Answer a = pages.answer(path, query);
            send(response, callback, a.status(), a.contentType(), a.body(), head);
            return true;
        }

        private boolean hasCookie(Request request) {
            for (HttpCookie c : Request.getCookies(request)) {
                if (COOKIE.equals(c.getName()) && token.matches(c.getValue())) {
                    return true;
                }
            }
            return false;
        }

        private static String withoutToken(Fields query) {
            StringBuilder b = new StringBuilder();
            for (Fields.Field f : query) {
                if (f.getName().equals("token")) {
                    continue;
                }
                for (String v : f.getValues()) {
                    b.append(b.length() == 0 ? '?' : '&').append(Html.url(f.getName())).append('=').append(Html.url(v));
                }
            }
            return b.toString();
        }

        private static void send(Response response, Callback callback, int status, String type, String body, boolean head) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.write(true, head ? null : ByteBuffer.wrap(bytes), callback);
        }
    }
}
