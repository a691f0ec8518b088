package jfunc.overlord.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import jfunc.common.rpc.CallError;
import jfunc.overlord.MinionResult;

/**
 * What {@code push} and {@code pull} share: file checks on this side, and turning a minion's
 * answer into a short result (pull also saves the file, in LOCAL_DIR/MINION/NAME).
 */
final class FileCommands {
    /** The largest file push sends in one call: base64 of it must fit a minion's default 16 MiB body. */
    static final long PUSH_MAX_BYTES = 12L * 1024 * 1024;

    private FileCommands() {}

    static byte[] readLocal(Path local) {
        if (!Files.isRegularFile(local)) {
            throw new ErrorReporter.UsageException("LOCAL " + local + " is not a file");
        }
        try {
            long size = Files.size(local);
            if (size > PUSH_MAX_BYTES) {
                throw new ErrorReporter.UsageException("LOCAL " + local + " is " + size + " bytes; push sends a file in one"
                        + " call, at most " + PUSH_MAX_BYTES + " bytes (a minion takes 16 MiB bodies by default)");
            }
            return Files.readAllBytes(local);
        } catch (IOException e) {
            throw new ErrorReporter.UsageException("cannot read LOCAL " + local + ": " + e.getMessage());
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** copyfile's {path, size, sha256} as "wrote PATH (N bytes)", or a failure when the checksum differs. */
    static MinionResult pushed(MinionResult r, String localSha) {
        if (!r.ok() || !(r.value() instanceof Map<?, ?> m)) {
            return r;
        }
        if (!localSha.equals(m.get("sha256"))) {
            return failure(r, "the minion wrote " + m.get("path") + " but its sha256 " + m.get("sha256")
                    + " differs from the local file's " + localSha);
        }
        return MinionResult.success(r.minion(), "wrote " + m.get("path") + " (" + m.get("size") + " bytes)", r.elapsed());
    }

    /** getfile's answer saved as {@code dir/MINION/NAME}; the result says "saved PATH (N bytes)". */
    static MinionResult saved(MinionResult r, Path dir) {
        if (!r.ok() || !(r.value() instanceof Map<?, ?> m) || !(m.get("content") instanceof byte[] content)) {
            return r;
        }
        String remote = String.valueOf(m.get("path"));
        String name = Path.of(remote).getFileName() == null ? "file" : Path.of(remote).getFileName().toString();
        if (!sha256(content).equals(m.get("sha256"))) {
            return failure(r, "the content of " + remote + " does not match the sha256 the minion sent");
        }
        Path target = dir.resolve(r.minion()).resolve(name); // minion names are validated: no '/' or '..'
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "." + name, ".part");
            Files.write(tmp, content);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return failure(r, "cannot save " + target + ": " + e.getMessage());
        }
        return MinionResult.success(r.minion(), "saved " + target + " (" + content.length + " bytes)", r.elapsed());
    }

    private static MinionResult failure(MinionResult r, String message) {
        return MinionResult.failure(r.minion(), new CallError(CallError.Kind.PROTOCOL, 0, message), r.elapsed());
    }
}
