package jfunc.minion;

import java.time.Duration;
import jfunc.common.Faults;
import jfunc.common.rpc.RpcCall;
import jfunc.common.rpc.RpcDispatcher;
import org.apache.xmlrpc.XmlRpcException;

/** Counts running calls so that a stop can wait for them, and refuses new ones while stopping. */
final class InFlight implements RpcDispatcher {
    private final RpcDispatcher next;
    private int running;
    private long started;
    private boolean stopping;

    InFlight(RpcDispatcher next) {
        this.next = next;
    }

    @Override
    public Object call(RpcCall call) throws XmlRpcException {
        synchronized (this) {
            if (stopping) {
                throw new XmlRpcException(Faults.UNAVAILABLE, "the minion is shutting down; retry later");
            }
            running++;
            started++;
        }
        try {
            return next.call(call);
        } finally {
            synchronized (this) {
                running--;
                notifyAll();
            }
        }
    }

    @Override
    public boolean admits(jfunc.common.tls.Caller caller) {
        return next.admits(caller);
    }

    /** Calls started since the server started. */
    synchronized long started() {
        return started;
    }

    /** Refuses new calls and waits up to {@code grace} for running ones; returns how many still run. */
    synchronized int drain(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            while (running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return running;
    }
}
