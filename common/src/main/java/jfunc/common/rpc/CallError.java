package jfunc.common.rpc;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcHttpTransportException;

/**
 * Why a call to a server failed, in the classes a user acts on differently. Built from whatever
 * the client threw by {@link #of(Throwable)}.
 */
public record CallError(Kind kind, int faultCode, String message) {
    public enum Kind {
        /** Nothing listens there, the host is unknown or unreachable. */
        UNREACHABLE,
        /** Connected, but no (complete) answer within the time limit. */
        TIMEOUT,
        /** The TLS handshake failed: certificate unknown, revoked, wrong name, no client cert. */
        TLS,
        /** The server answered with an XML-RPC fault ({@link #faultCode} says which). */
        FAULT,
        /** The server answered something that is not XML-RPC (or an HTTP error). */
        PROTOCOL,
        /** Never called: a rolling batch stopped before this minion's turn ({@code --batch-fail}). */
        NOT_STARTED
    }

    public static CallError of(Throwable t) {
        if (t instanceof XmlRpcException x && x.code != 0 && x.getClass() == XmlRpcException.class) {
            return new CallError(Kind.FAULT, x.code, x.getMessage());
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RpcClient.ConnectionLost) {
                return new CallError(Kind.UNREACHABLE, 0, c.getMessage());
            }
            if (c instanceof RpcClient.ReplyTooLarge || c instanceof RpcClient.ReplyBroken) {
                return new CallError(Kind.PROTOCOL, 0, c.getMessage());
            }
            if (c instanceof SocketTimeoutException) {
                return new CallError(Kind.TIMEOUT, 0, "no answer in time (" + c.getMessage() + ")");
            }
            if (c instanceof ConnectException || c instanceof NoRouteToHostException
                    || c instanceof UnknownHostException) {
                return new CallError(Kind.UNREACHABLE, 0, c.getClass().getSimpleName() + ": " + c.getMessage());
            }
            if (c instanceof SSLException || c instanceof java.security.cert.CertificateException) {
                return new CallError(Kind.TLS, 0, "TLS refused: " + c.getMessage());
            }
            if (c instanceof XmlRpcHttpTransportException h) {
                return new CallError(Kind.PROTOCOL, 0, "HTTP " + h.getStatusCode() + " " + h.getStatusMessage());
            }
            if (c instanceof SocketException || c instanceof java.io.EOFException
                    || c instanceof java.nio.channels.ClosedChannelException) {
                // reset or broken while the reply was on its way: the server went away
                return new CallError(Kind.UNREACHABLE, 0, "the connection broke: " + c.getMessage());
            }
        }
        return new CallError(Kind.PROTOCOL, 0, t.getMessage() == null ? t.toString() : t.getMessage());
    }

    /** A short label for tables: "timeout", "unreachable", "fault forbidden", ... */
    public String label() {
        return kind == Kind.FAULT ? Faults.label(faultCode) : kind.name().toLowerCase();
    }
}
