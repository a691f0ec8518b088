package jfunc.overlord.jobs;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import jfunc.common.Ids;
import org.mapdb.DB;
import org.mapdb.DBMaker;

/**
 * A child JVM for the cross-process tests. Modes:
 * <ul>
 *   <li>{@code hold FILE MILLIS}: opens the file with MapDB, prints "held", keeps it for MILLIS.
 *   <li>{@code write FILE N}: N updates of job ID (argument 4) minion m-child, printing nothing.
 *   <li>{@code churn FILE}: creates jobs of 50 minions forever, recording them in batches and
 *       printing each committed job id ("committed ID"); meant to be killed.
 *   <li>{@code submit FILE}: creates one 1,000-minion job, records 300 minions, prints
 *       "recorded ID" and waits to be killed (a crash mid fan-out).
 * </ul>
 */
public final class StoreChild {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        MapDbJobStore store = new MapDbJobStore(file, Duration.ofSeconds(20));
        switch (args[0]) {
            case "hold" -> {
                DB db = DBMaker.fileDB(new File(args[1])).transactionEnable().make();
                System.out.println("held");
                System.out.flush();
                Thread.sleep(Long.parseLong(args[2]));
                db.close();
            }
            case "write" -> {
                int n = Integer.parseInt(args[2]);
                for (int i = 0; i < n; i++) {
                    store.update(args[3], List.of(MinionJob.running("m-child", "c" + i, Instant.now())), false);
                }
            }
            case "churn" -> {
                for (int j = 0; ; j++) {
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        names.add("m" + i);
                    }
                    Job job = Job.submitting(Ids.next(), "*", "test.ping", "[]", Instant.now(), null, names);
                    store.create(job);
                    List<MinionJob> done = new ArrayList<>();
                    for (String name : names) {
                        done.add(MinionJob.finished(name, "mj-" + j, "result of " + name + " ".repeat(200), Instant.now()));
                    }
                    store.update(job.id(), done.subList(0, 25), false);
                    store.update(job.id(), done.subList(25, 50), true);
                    System.out.println("committed " + job.id());
                    System.out.flush();
                }
            }
            case "submit" -> {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    names.add(String.format("m%04d", i));
                }
                Job job = Job.submitting(Ids.next(), "*", "command.run", "['sleep 1']", Instant.now(), null, names);
                store.create(job);
                try (MinionRecorder recorder = new MinionRecorder(store, job.id(), 100, Duration.ofMillis(200))) {
                    for (int i = 0; i < 300; i++) {
                        recorder.record(MinionJob.running(names.get(i), "mj" + i, Instant.now()));
                    }
                    Thread.sleep(1000); // the timer writes the last batch
                    System.out.println("recorded " + job.id());
                    System.out.flush();
                    Thread.sleep(60_000);
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Starts this class in a new JVM with the test class path. */
    static Process start(String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), StoreChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
