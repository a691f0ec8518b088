package jfunc.minion;

import java.util.List;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Wraps one {@code system.multicall} so that work done by its calls can be grouped: the async
 * job runner records every submission of a batch and makes them durable with one status-file
 * commit at the end, instead of one commit per call. Set with {@link ModuleRegistry#batchScope}.
 */
@FunctionalInterface
public interface BatchScope {
    /** No grouping: runs the batch as is. */
    BatchScope NONE = (methods, batch) -> batch.run();

    /**
     * Runs {@code batch}; {@code methods} are the method names it holds (null where an entry
     * names none), so a scope can tell whether it has anything to group.
     */
    Object run(List<String> methods, Batch batch) throws XmlRpcException;

    /** The calls of one multicall. */
    @FunctionalInterface
    interface Batch {
        Object run() throws XmlRpcException;
    }
}
