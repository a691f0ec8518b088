package jfunc.minion.jobs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import jfunc.common.Faults;
import org.apache.xmlrpc.XmlRpcException;

/**
 * A small real module set for job tests (the minion's registry plugs in the same way):
 * test.ping, test.echo(x), test.fail(code, text), test.big(bytes), test.sleep(ms),
 * gate.pass() (blocks until the test opens one permit), proc.sleep(seconds) (a real shell with
 * two real {@code sleep} children, tracked for the timeout killer).
 */
final class TestCalls implements CallRunner {
    final AtomicInteger runs = new AtomicInteger();

    int runsOf(String method, Object... args) {
        AtomicInteger n = runsByCall.get(method + ArgsSummary.of(List.of(args)));
        return n == null ? 0 : n.get();
    }
    /** Runs per call, keyed {@code method + args summary}, e.g. {@code test.echo["a"]}. */
    final Map<String, AtomicInteger> runsByCall = new ConcurrentHashMap<>();
    /** Permits for gate.pass; each released permit lets one waiting gate.pass job finish. */
    final Semaphore gate = new Semaphore(0);
    /** Counted down by each gate.pass job as it starts. */
    volatile CountDownLatch gateEntered = new CountDownLatch(0);
    /** The shell process of each proc.sleep job, as it starts. */
    final LinkedBlockingQueue<Process> shells = new LinkedBlockingQueue<>();

    static final List<String> MODULES = List.of("test", "gate", "proc");

    @Override
    public void validate(String method, List<Object> args) throws XmlRpcException {
        int n = switch (method) {
            case "test.ping", "gate.pass" -> 0;
            case "test.echo", "test.big", "test.sleep", "proc.sleep" -> 1;
            case "test.fail" -> 2;
            default -> throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + method);
        };
        if (args.size() != n) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + " takes " + n + " arguments, not " + args.size());
        }
        if ((method.equals("test.big") || method.equals("test.sleep") || method.equals("proc.sleep"))
                && !(args.get(0) instanceof Integer)) {
            throw new XmlRpcException(Faults.BAD_ARGUMENTS, method + " takes an int");
        }
    }

    @Override
    public Object run(String method, List<Object> args, jfunc.minion.CallContext context, JobControl control)
            throws Exception {
        runs.incrementAndGet();
        runsByCall.computeIfAbsent(method + ArgsSummary.of(args), m -> new AtomicInteger()).incrementAndGet();
        switch (method) {
            case "test.ping":
                return true;
            case "test.echo":
                return args.get(0);
            case "test.fail":
                throw new XmlRpcException((Integer) args.get(0), (String) args.get(1));
            case "test.big":
                return "x".repeat((Integer) args.get(0));
            case "test.sleep":
                Thread.sleep((Integer) args.get(0));
                return "slept " + args.get(0);
            case "gate.pass":
                gateEntered.countDown();
                gate.acquire();
                return "passed";
            case "proc.sleep": {
                int s = (Integer) args.get(0);
                Process p = new ProcessBuilder("sh", "-c", "sleep " + s + " & sleep " + s + "; wait").start();
                JobControl.current().orElseThrow().track(p);
                shells.add(p);
                return p.waitFor();
            }
            default:
                throw new XmlRpcException(Faults.UNKNOWN_METHOD, "unknown method " + method);
        }
    }
}
