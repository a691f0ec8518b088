package jfunc.overlord.inventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import jfunc.common.Config.ConfigException;

/** What the line-based inventory files (overrides, groups) share: reading them and {@code #} comments. */
final class LineFiles {
    private LineFiles() {}

    /** The lines of {@code file}, or null when it does not exist (an absent file is an empty one to its callers). */
    static List<String> read(Path file) throws ConfigException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
    }

    static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash < 0 ? line : line.substring(0, hash)).strip();
    }
}
