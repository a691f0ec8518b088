package jfunc.common.rpc;

import jfunc.common.tls.Caller;
import org.apache.xmlrpc.XmlRpcException;

/**
 * What a server does with a call. Throw {@link org.apache.xmlrpc.XmlRpcException} with a code
 * from {@link jfunc.common.Faults} for a fault; any other exception becomes INTERNAL_ERROR.
 * The result may be any Java value: it passes through {@link jfunc.common.WireValues}.
 */
@FunctionalInterface
public interface RpcDispatcher {
    Object call(RpcCall call) throws XmlRpcException;

    /**
     * Whether {@code caller} may call anything at all here, decided from its certificate alone
     * (before a request body is read). The default admits everyone; {@link #call} still decides
     * per method.
     */
    default boolean admits(Caller caller) {
        return true;
    }
}
