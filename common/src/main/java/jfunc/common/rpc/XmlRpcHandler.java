package jfunc.common.rpc;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jfunc.common.Faults;
import jfunc.common.tls.Caller;
import org.apache.xmlrpc.XmlRpcException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XML-RPC over HTTP/1.1 as a Jetty core handler: the one place where jfunc reads an XML-RPC
 * request from Jetty and writes its reply (the TLS {@link RpcServer} and the overlord service's
 * Unix-domain socket both use it).
 *
 * <p>Everything that can be decided from the request head is decided before a byte of the body
 * is read: POST only (405), a Content-Length is required (411) and capped (413); the caller,
 * from its certificate, must be admitted by {@link RpcDispatcher#admits} (else fault FORBIDDEN);
 * and the body must fit in a budget of body bytes held at once across the whole server (else
 * fault UNAVAILABLE, "busy"). A refused request's connection is closed after the reply.
 *
 * <p>The body is read without holding a thread (Jetty calls back as bytes arrive); once whole,
 * it is parsed with the hardened parser (extensions off) and dispatched on {@code calls}, and
 * the reply (through {@link jfunc.common.WireValues}) is written with a Content-Length. Every
 * failure of a call is answered as a fault with a code from {@link Faults}.
 */
public class XmlRpcHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(XmlRpcHandler.class);

    private final RpcDispatcher dispatcher;
    private final long maxBodyBytes;
    private final long budgetBytes;
    private final Executor calls;
    private final AtomicLong budgetInUse = new AtomicLong();
    private final AtomicLong forbidden = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final Set<Exchange> reading = ConcurrentHashMap.newKeySet();

    /**
     * {@code maxBodyBytes} caps one request body, {@code budgetBytes} the bodies held at once
     * (from the head until the reply is made); calls run on {@code calls}.
     */
    public XmlRpcHandler(RpcDispatcher dispatcher, long maxBodyBytes, long budgetBytes, Executor calls) {
        super(InvocationType.NON_BLOCKING);
        this.dispatcher = dispatcher;
        this.maxBodyBytes = maxBodyBytes;
        this.budgetBytes = Math.max(budgetBytes, maxBodyBytes);
        this.calls = calls;
    }

    /** The verified client certificate of a request over TLS; null when there is none. */
    protected X509Certificate peer(Request request) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint instanceof SslConnection.SslEndPoint tls) {
            return ConnectionGuard.peerOf(tls.getSslConnection().getSSLEngine());
        }
        return null;
    }

    /** Why this request is refused with HTTP 403 before anything else (null: not refused). */
    protected String refusal(Request request, X509Certificate peer) {
        return null;
    }

    /**
     * Whether a body over the cap is answered with fault REQUEST_TOO_LARGE instead of HTTP 413
     * (the service's socket answers every bad request with a fault; the TLS port with 413).
     */
    protected boolean tooLargeIsFault() {
        return false;
    }

    /** Whether the server is stopping (requests then get 503). */
    protected boolean stopping() {
        return false;
    }

    /** Called when a request arrives and when its reply has gone out (or failed). */
    protected void exchangeStarted(Request request) {}

    protected void exchangeEnded(Request request) {}

    /** Requests refused at the head because the caller is not admitted. */
    public long refusedForbidden() {
        return forbidden.get();
    }

    /** Requests refused because the body budget was in use. */
    public long refusedBusy() {
        return busy.get();
    }

    /** Body bytes reserved right now. */
    public long budgetInUse() {
        return budgetInUse.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        exchangeStarted(request);
        Callback done = new Callback() { // ended before Jetty may start the next (pipelined) request
            @Override
            public void succeeded() {
                exchangeEnded(request);
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                exchangeEnded(request);
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        if (stopping()) {
            return text(response, done, HttpStatus.SERVICE_UNAVAILABLE_503, "server stopping: try again later");
        }
        if (!"POST".equals(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            return text(response, done, HttpStatus.METHOD_NOT_ALLOWED_405, "jfunc speaks XML-RPC: POST text/xml");
        }
        long length = request.getLength();
        if (length < 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            return text(response, done, HttpStatus.LENGTH_REQUIRED_411, "send the request body with a Content-Length"
                    + " (chunked request bodies are not accepted)");
        }
        if (length > maxBodyBytes && tooLargeIsFault()) {
            return fault(response, drained(request, done), Faults.REQUEST_TOO_LARGE, "the request is larger than "
                    + maxBodyBytes + " bytes");
        }
        if (length > maxBodyBytes) {
            return text(response, drained(request, done), HttpStatus.PAYLOAD_TOO_LARGE_413, "request body of " + length
                    + " bytes exceeds the limit of " + maxBodyBytes);
        }
        X509Certificate peer = peer(request);
        String refused = refusal(request, peer);
        if (refused != null) {
            return text(response, drained(request, done), HttpStatus.FORBIDDEN_403, refused);
        }
        Caller caller = Caller.of(peer);
        if (!dispatcher.admits(caller)) {
            forbidden.incrementAndGet();
            log.debug("{} is not admitted: refused before its body", caller);
            return fault(response, drained(request, done), Faults.FORBIDDEN, "forbidden: '" + caller.name() + "' may not call anything here");
        }
        if (!reserve(length)) {
            busy.incrementAndGet();
            return fault(response, drained(request, done), Faults.UNAVAILABLE, "busy: too many request bytes in progress, try again");
        }
        Exchange x = new Exchange(request, response, done, peer, (int) length);
        reading.add(x);
        read(x);
        return true;
    }

    /**
     * After a refusal (sent before the body was read, with Connection: close), the rest of a small
     * body is read and dropped, for at most {@link #DRAIN_MILLIS}, so that a client still sending
     * it sees the reply instead of a reset connection. A larger body is never read: the
     * connection is closed under it.
     */
    private static Callback drained(Request request, Callback done) {
        long length = request.getLength();
        if (length <= 0 || length > DRAIN_BYTES) {
            return done;
        }
        return new Callback() {
            @Override
            public void succeeded() {
                AtomicBoolean once = new AtomicBoolean();
                Runnable finish = () -> {
                    if (once.compareAndSet(false, true)) {
                        done.succeeded();
                    }
                };
                org.eclipse.jetty.util.thread.Scheduler.Task timer = request.getComponents().getScheduler()
                        .schedule(() -> {
                            request.getConnectionMetaData().getConnection().getEndPoint().close();
                            finish.run();
                        }, DRAIN_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                Content.Source.consumeAll(request, Callback.from(() -> {
                    timer.cancel();
                    finish.run();
                }, x -> {
                    timer.cancel();
                    finish.run();
                }));
            }

            @Override
            public void failed(Throwable x) {
                done.failed(x);
            }
        };
    }

    static final long DRAIN_BYTES = 1024 * 1024;
    static final long DRAIN_MILLIS = 1_000;

    /** One request whose body is on its way in, then its call. */
    final class Exchange {
        final Request request;
        final Response response;
        final Callback callback;
        final X509Certificate peer;
        final byte[] body;
        final long started = System.nanoTime();
        volatile int received;
        private final AtomicBoolean released = new AtomicBoolean();

        Exchange(Request request, Response response, Callback callback, X509Certificate peer, int length) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.peer = peer;
            this.body = new byte[length];
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                budgetInUse.addAndGet(-body.length);
            }
        }

        /** Closes the connection under a body that arrives too slowly. */
        void abort() {
            request.getConnectionMetaData().getConnection().getEndPoint().close();
        }
    }

    private boolean reserve(long length) {
        while (true) {
            long used = budgetInUse.get();
            if (used + length > budgetBytes) {
                return false;
            }
            if (budgetInUse.compareAndSet(used, used + length)) {
                return true;
            }
        }
    }

    /** Reads what has arrived; asks to be called back for the rest. Never blocks. */
    private void read(Exchange x) {
        while (true) {
            Content.Chunk chunk = x.request.read();
            if (chunk == null) {
                x.request.demand(() -> read(x));
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                reading.remove(x);
                x.release();
                x.callback.failed(chunk.getFailure());
                return;
            }
            ByteBuffer b = chunk.getByteBuffer();
            int n = b.remaining();
            if (x.received + n > x.body.length) { // cannot happen with a Content-Length; be safe
                chunk.release();
                reading.remove(x);
                x.release();
                x.callback.failed(new IllegalStateException("more body than its Content-Length"));
                return;
            }
            b.get(x.body, x.received, n);
            x.received += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                reading.remove(x);
                try {
                    calls.execute(() -> call(x));
                } catch (RejectedExecutionException e) {
                    x.release();
                    text(x.response, x.callback, HttpStatus.SERVICE_UNAVAILABLE_503, "server stopping: try again later");
                }
                return;
            }
        }
    }

    /** Parses, dispatches and answers one whole request (on a call thread). */
    private void call(Exchange x) {
        byte[] reply;
        String method = "?";
        try {
            XmlRpcMessages.Request parsed = XmlRpcMessages.parseRequest(new ByteArrayInputStream(x.body), maxBodyBytes);
            method = parsed.method();
            InetSocketAddress remote = x.request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress i
                    ? i : null;
            RpcCall call = new RpcCall(parsed.method(), parsed.params(), x.peer, remote);
            reply = XmlRpcMessages.reply(dispatcher.call(call));
        } catch (XmlRpcException e) {
            reply = XmlRpcMessages.fault(e.code == 0 ? Faults.INTERNAL_ERROR : e.code, e.getMessage());
        } catch (RuntimeException | Error e) {
            log.error("{} from {} failed", method, Caller.of(x.peer), e);
            reply = XmlRpcMessages.fault(Faults.INTERNAL_ERROR, "internal error in " + method + ": " + e);
        } finally {
            x.release();
        }
        write(x.response, x.callback, HttpStatus.OK_200, "text/xml; charset=UTF-8", reply, stopping() || wantsClose(x.request));
    }

    /** Closes the connections of bodies arriving slower than {@code minBytesPerSecond} after {@code graceNanos}. */
    void sweep(long now, long graceNanos, long minBytesPerSecond) {
        for (Exchange x : reading) {
            long late = now - x.started - graceNanos;
            if (late > 0 && x.received < (double) minBytesPerSecond * late / 1e9 && x.received < x.body.length) {
                log.debug("a request body arrives slower than {} bytes/s ({} of {} after {} ms): connection closed",
                        minBytesPerSecond, x.received, x.body.length, (now - x.started) / 1_000_000);
                reading.remove(x);
                x.abort();
            }
        }
    }

    /** HTTP/1.0 without keep-alive, or Connection: close: the reply says it closes the connection. */
    private static boolean wantsClose(Request request) {
        if (request.getHeaders().contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString())) {
            return true;
        }
        return request.getConnectionMetaData().getHttpVersion() == org.eclipse.jetty.http.HttpVersion.HTTP_1_0
                && !request.getHeaders().contains(HttpHeader.CONNECTION, HttpHeaderValue.KEEP_ALIVE.asString());
    }

    private static boolean fault(Response response, Callback callback, int code, String message) {
        write(response, callback, HttpStatus.OK_200, "text/xml; charset=UTF-8", XmlRpcMessages.fault(code, message), true);
        return true;
    }

    private static boolean text(Response response, Callback callback, int status, String message) {
        write(response, callback, status, "text/plain; charset=UTF-8", (message + "\n").getBytes(StandardCharsets.UTF_8), true);
        return true;
    }

    private static void write(Response response, Callback callback, int status, String type, byte[] body, boolean close) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (close) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
