package jfunc.overlord.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import jfunc.common.Config.ConfigException;
import jfunc.common.rpc.CallError;
import jfunc.overlord.Batch;
import jfunc.overlord.CallResult;
import jfunc.overlord.CommandExits;
import jfunc.overlord.FanOutListener;
import jfunc.overlord.MethodCall;
import jfunc.overlord.MinionAddress;
import jfunc.overlord.MinionResult;
import jfunc.overlord.OverlordApi;
import jfunc.overlord.Selection;

/**
 * Chunked {@code push} and {@code pull} (docs/PROTOCOL.md, "Chunked copies"): files of any size,
 * in rounds of one chunk per minion, each minion at its own offset (a resumed copy starts where
 * its minion has committed bytes), the SHA-256 of the whole file checked at the end, the file
 * renamed into place only once verified. Memory: a push holds at most {@link #OFFSETS_PER_ROUND}
 * chunks, a pull at most {@link #AT_ONCE} (one per minion of its round), whatever the file size.
 */
final class FileTransfers {
    static final int PUSH_CHUNK = 4 * 1024 * 1024;
    static final int PULL_CHUNK = 1024 * 1024;
    /** Minions called at once in a round (their chunk bodies are held while in flight). */
    static final int AT_ONCE = 16;
    /** A push round serves the minions at the lowest few offsets (resumed copies differ). */
    static final int OFFSETS_PER_ROUND = 4;

    private static final Batch ROUND = new Batch(AT_ONCE, false, 0, CommandExits.ZERO);

    private FileTransfers() {}

    /** LOCAL must be a readable file; else a usage error (exit 2). */
    static void checkLocal(Path local) {
        if (!Files.isRegularFile(local)) {
            throw new ErrorReporter.UsageException("LOCAL " + local + " is not a file");
        }
        if (!Files.isReadable(local)) {
            throw new ErrorReporter.UsageException("cannot read LOCAL " + local);
        }
    }

    /** One minion's copy. */
    private static final class Leg {
        final MinionAddress minion;
        long offset;
        long resumedAt;
        MinionResult outcome;
        // pull only
        long size;
        String sha256;
        String fileId;
        Path part;
        Path target;
        FileChannel out;

        Leg(MinionAddress minion) {
            this.minion = minion;
        }
    }

    /** Pushes {@code local} to {@code path} on each minion of {@code selection}; results in target order. */
    static CallResult push(OverlordApi api, Selection selection, Path local, String path, String mode, Duration timeout)
            throws ConfigException, IOException {
        long size = Files.size(local);
        String sha = sha256(local);
        String sizeText = Long.toString(size);
        Map<String, MinionResult> done = new LinkedHashMap<>();
        Map<String, Leg> legs = begin(api, selection, MethodCall.of("copyfile.begin", path, sizeText, sha), done, timeout);
        try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ)) {
            while (true) {
                List<Leg> active = legs.values().stream().filter(l -> l.outcome == null && l.offset < size).toList();
                if (active.isEmpty()) {
                    break;
                }
                TreeMap<Long, byte[]> chunks = new TreeMap<>();
                active.stream().map(l -> l.offset).distinct().sorted().limit(OFFSETS_PER_ROUND)
                        .forEach(o -> chunks.put(o, null));
                for (Long o : chunks.keySet()) {
                    chunks.put(o, read(in, o, (int) Math.min(PUSH_CHUNK, size - o)));
                }
                // one call per offset, the legs at an offset next to each other: the fan-out encodes each once
                Map<Long, MethodCall> calls = new TreeMap<>();
                chunks.forEach((o, b) -> calls.put(o, MethodCall.of("copyfile.chunk", path, sizeText, sha, Long.toString(o), b,
                        sha256(b))));
                List<Leg> round = active.stream().filter(l -> chunks.containsKey(l.offset))
                        .sorted(java.util.Comparator.comparingLong(l -> l.offset)).toList();
                round(api, round, leg -> calls.get(leg.offset), timeout, (leg, value) -> {
                    long sent = chunks.get(leg.offset).length;
                    long now = Long.parseLong(String.valueOf(((Map<?, ?>) value).get("offset")));
                    if (now != leg.offset + sent) {
                        return "the minion answered offset " + now + " after a chunk of " + sent + " bytes at " + leg.offset;
                    }
                    leg.offset = now;
                    return null;
                });
            }
        }
        List<Leg> complete = legs.values().stream().filter(l -> l.outcome == null).toList();
        List<Object> commit = new ArrayList<>(List.of(path, sizeText, sha));
        if (mode != null) {
            commit.add(mode);
        }
        MethodCall commitCall = new MethodCall("copyfile.commit", commit);
        round(api, complete, leg -> commitCall, timeout, (leg, value) -> {
            Map<?, ?> m = (Map<?, ?>) value;
            if (!sha.equals(m.get("sha256"))) {
                return "the minion wrote " + m.get("path") + " but its sha256 " + m.get("sha256") + " differs from the local file's " + sha;
            }
            leg.outcome = MinionResult.success(leg.minion.name(), "wrote " + m.get("path") + " (" + m.get("size") + " bytes"
                    + (leg.resumedAt > 0 ? "; resumed at byte " + leg.resumedAt : "") + ")", Duration.ZERO);
            return null;
        });
        return collect(selection, "copyfile.commit", done, legs);
    }

    /** Pulls {@code remote} from each minion of {@code selection} into {@code dir/MINION/NAME}; results in target order. */
    static CallResult pull(OverlordApi api, Selection selection, String remote, Path dir, Duration timeout)
            throws ConfigException {
        Map<String, MinionResult> done = new LinkedHashMap<>();
        Map<String, MinionResult> stats = new LinkedHashMap<>();
        Map<String, Leg> legs = begin(api, selection, MethodCall.of("getfile.stat", remote), done, timeout, stats);
        for (Leg leg : legs.values()) {
            Map<?, ?> m = (Map<?, ?>) stats.get(leg.minion.name()).value();
            leg.size = Long.parseLong(String.valueOf(m.get("size")));
            leg.sha256 = String.valueOf(m.get("sha256"));
            leg.fileId = String.valueOf(m.get("file_id"));
            Path name = Path.of(String.valueOf(m.get("path"))).getFileName();
            leg.target = dir.resolve(leg.minion.name()).resolve(name == null ? "file" : name.toString()); // names are validated
            leg.part = leg.target.resolveSibling("." + leg.target.getFileName() + ".jfunc-part-" + leg.sha256.substring(0, 16));
            try {
                Files.createDirectories(leg.target.getParent());
                leg.out = FileChannel.open(leg.part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
                leg.offset = leg.out.size() <= leg.size ? leg.out.size() : 0; // the bytes of an earlier, cut-off pull
                leg.out.truncate(leg.offset);
                leg.resumedAt = leg.offset;
            } catch (IOException e) {
                failLocally(leg, "cannot save " + leg.target + ": " + reason(e));
            }
        }
        try {
            while (true) {
                List<Leg> round = legs.values().stream().filter(l -> l.outcome == null && l.offset < l.size).limit(AT_ONCE).toList();
                if (round.isEmpty()) {
                    break;
                }
                round(api, round, leg -> MethodCall.of("getfile.chunk", remote, Long.toString(leg.offset),
                        (int) Math.min(PULL_CHUNK, leg.size - leg.offset), leg.fileId), timeout, (leg, value) -> {
                    Map<?, ?> m = (Map<?, ?>) value;
                    byte[] content = (byte[]) m.get("content");
                    if (!sha256(content).equals(m.get("sha256"))) {
                        return "the chunk at offset " + leg.offset + " does not match the sha256 the minion sent";
                    }
                    if (content.length == 0) {
                        return remote + " shrank during the copy (" + leg.size + " bytes at the start); pull it again";
                    }
                    try {
                        leg.out.write(ByteBuffer.wrap(content), leg.offset);
                    } catch (IOException e) {
                        failLocally(leg, "cannot save " + leg.target + ": " + reason(e));
                        return null;
                    }
                    leg.offset += content.length;
                    return null;
                });
            }
            for (Leg leg : legs.values()) {
                if (leg.outcome == null) {
                    finishPull(leg);
                }
            }
        } finally {
            for (Leg leg : legs.values()) {
                closeQuietly(leg);
            }
        }
        return collect(selection, "getfile.chunk", done, legs);
    }

    /** The pulled part checked against the minion's sha256 (read back from disk) and renamed into place. */
    private static void finishPull(Leg leg) {
        try {
            leg.out.force(true);
            String got = sha256(leg.out);
            if (!got.equals(leg.sha256)) {
                failLocally(leg, "the " + leg.size + " bytes received have sha256 " + got + ", not " + leg.sha256
                        + " (the file changed during the copy?); nothing was saved, pull it again");
                return;
            }
            leg.out.close();
            Files.move(leg.part, leg.target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            leg.outcome = MinionResult.success(leg.minion.name(), "saved " + leg.target + " (" + leg.size + " bytes"
                    + (leg.resumedAt > 0 ? "; resumed at byte " + leg.resumedAt : "") + ")", Duration.ZERO);
        } catch (IOException e) {
            failLocally(leg, "cannot save " + leg.target + ": " + reason(e));
        }
    }

    /** A local failure: the partial copy is removed (its space freed, a later pull starts over). */
    private static void failLocally(Leg leg, String message) {
        closeQuietly(leg);
        if (leg.part != null) {
            try {
                Files.deleteIfExists(leg.part);
            } catch (IOException ignored) {
                // the message says what went wrong already
            }
        }
        leg.outcome = MinionResult.failure(leg.minion.name(), new CallError(CallError.Kind.PROTOCOL, 0,
                message + (leg.part == null ? "" : "; the partial copy was removed")), Duration.ZERO);
    }

    private static void closeQuietly(Leg leg) {
        if (leg.out != null) {
            try {
                leg.out.close();
            } catch (IOException ignored) {
                // closing a file we only wrote to
            }
        }
    }

    private static Map<String, Leg> begin(OverlordApi api, Selection selection, MethodCall call, Map<String, MinionResult> done,
                                          Duration timeout) throws ConfigException {
        return begin(api, selection, call, done, timeout, new LinkedHashMap<>());
    }

    /** The first call to every minion (names not in the inventory answered too); the minions that took it get a leg. */
    private static Map<String, Leg> begin(OverlordApi api, Selection selection, MethodCall call, Map<String, MinionResult> done,
                                          Duration timeout, Map<String, MinionResult> answers) throws ConfigException {
        Map<String, MinionAddress> known = new LinkedHashMap<>();
        selection.minions().forEach(m -> known.put(m.name(), m));
        Map<String, Leg> legs = new LinkedHashMap<>();
        for (MinionResult r : api.call(selection, call, timeout, FanOutListener.NONE).results()) {
            if (!r.ok() || known.get(r.minion()) == null) {
                done.put(r.minion(), r);
                continue;
            }
            answers.put(r.minion(), r);
            Leg leg = new Leg(known.get(r.minion()));
            if (r.value() instanceof Map<?, ?> m && m.get("offset") != null) {
                leg.offset = Long.parseLong(String.valueOf(m.get("offset")));
                leg.resumedAt = leg.offset;
            }
            legs.put(r.minion(), leg);
        }
        return legs;
    }

    /** What a round does with a minion's answer: null when fine, else why the minion fails. */
    private interface Answer {
        String take(Leg leg, Object value);
    }

    private static void round(OverlordApi api, List<Leg> legs, Function<Leg, MethodCall> calls, Duration timeout, Answer answer)
            throws ConfigException {
        if (legs.isEmpty()) {
            return;
        }
        Map<String, Leg> byName = new LinkedHashMap<>();
        legs.forEach(l -> byName.put(l.minion.name(), l));
        List<MinionAddress> minions = legs.stream().map(l -> l.minion).toList();
        Selection part = new Selection("", List.copyOf(byName.keySet()), minions, List.of());
        CallResult r = OverlordApi.callEach(api, part, m -> calls.apply(byName.get(m.name())), timeout, ROUND);
        for (MinionResult x : r.results()) {
            Leg leg = byName.get(x.minion());
            if (!x.ok()) {
                leg.outcome = x;
                continue;
            }
            String problem;
            try {
                problem = answer.take(leg, x.value());
            } catch (RuntimeException e) {
                problem = "unexpected answer: " + e.getMessage();
            }
            if (problem != null && leg.outcome == null) {
                if (leg.out != null) {
                    failLocally(leg, problem);
                } else {
                    leg.outcome = MinionResult.failure(x.minion(), new CallError(CallError.Kind.PROTOCOL, 0, problem), x.elapsed());
                }
            }
        }
    }

    private static CallResult collect(Selection selection, String method, Map<String, MinionResult> done, Map<String, Leg> legs) {
        List<MinionResult> results = new ArrayList<>();
        for (String name : selection.names()) {
            MinionResult r = done.get(name);
            if (r == null && legs.get(name) != null) {
                r = legs.get(name).outcome;
            }
            if (r != null) {
                results.add(r);
            }
        }
        return new CallResult(method, results);
    }

    private static byte[] read(FileChannel in, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (in.read(buf, offset + buf.position()) < 0) {
                throw new IOException("the local file shrank while it was sent");
            }
        }
        return buf.array();
    }

    static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass() == IOException.class ? e.getMessage()
                : e.getMessage() + " (" + e.getClass().getSimpleName() + ")";
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }

    static String sha256(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return sha256(ch);
        }
    }

    private static String sha256(FileChannel ch) throws IOException {
        MessageDigest sha = digest();
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        long pos = 0;
        int n;
        while ((n = ch.read(buf, pos)) >= 0) {
            pos += n;
            buf.flip();
            sha.update(buf);
            buf.clear();
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
