package jfunc.common.rpc;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One XML-RPC call as a server sees it: the method name, the decoded parameters (Integer,
 * Boolean, Double, String, byte[], Map, Object[]) and who called. {@code peerName} is the CN of
 * the verified client certificate, or null on a port that does not ask for one.
 */
public record RpcCall(String method, List<Object> params, String peerName, InetSocketAddress remote) {
    public RpcCall {
        params = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(params));
    }
}
