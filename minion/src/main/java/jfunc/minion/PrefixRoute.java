package jfunc.minion;

import java.util.List;
import org.apache.xmlrpc.XmlRpcException;

/**
 * Handles every method called as {@code PREFIX.module.method}, registered with
 * {@link ModuleRegistry#route}. The async runner is one: {@code async.command.run(args)} reaches
 * it as {@code ("command.run", args, ctx)}, after the dispatcher checked that the caller may call
 * {@code async.command.run}, that {@code command.run} exists and that the arguments fit it.
 */
@FunctionalInterface
public interface PrefixRoute {
    Object call(String innerMethod, List<Object> args, CallContext context) throws XmlRpcException;
}
