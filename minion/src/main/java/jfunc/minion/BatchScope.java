package jfunc.minion;

import org.apache.xmlrpc.XmlRpcException;

/**
 * Wraps one {@code system.multicall} so that work done by its calls can be grouped: the async
 * job runner records every submission of a batch and makes them durable with one status-file
 * commit at the end, instead of one commit per call. Set with {@link ModuleRegistry#batchScope}.
 */
@FunctionalInterface
public interface BatchScope {
    /** No grouping: runs the batch as is. */
    BatchScope NONE = Batch::run;

    Object run(Batch batch) throws XmlRpcException;

    /** The calls of one multicall. */
    @FunctionalInterface
    interface Batch {
        Object run() throws XmlRpcException;
    }
}
