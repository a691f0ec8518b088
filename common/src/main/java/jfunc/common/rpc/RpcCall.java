package jfunc.common.rpc;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import jfunc.common.tls.Caller;
import jfunc.common.tls.Certs;

/**
 * One XML-RPC call as a server sees it: the method name, the decoded parameters (Integer,
 * Boolean, Double, String, byte[], Map, Object[]) and who called. {@code peer} is the verified
 * client certificate, or null on a port that does not ask for one.
 */
public record RpcCall(String method, List<Object> params, X509Certificate peer, InetSocketAddress remote) {
    public RpcCall {
        params = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(params));
    }

    /** The CN of the client certificate, or null when there is none. */
    public String peerName() {
        return peer == null ? null : Certs.commonName(peer);
    }

    /** Who called: name and overlord mark, from the certificate. */
    public Caller caller() {
        return Caller.of(peer);
    }
}
