package jfunc.common.testing;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Hand-written HTTP over TLS, for tests that send what a well-behaved XML-RPC client never would. */
public final class RawHttps {
    private RawHttps() {}

    /** Sends {@code body} as a POST to /RPC2 on 127.0.0.1:{@code port} over {@code ctx}; returns the whole reply. */
    public static String post(SSLContext ctx, int port, String body) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /RPC2 HTTP/1.1\r\nHost: m1\r\nContent-Type: text/xml\r\nConnection: close\r\n"
                    + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
