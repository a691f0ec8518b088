package jfunc.overlord.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jfunc.common.Ids;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/** The contract on MapDB, and what only a file store has: old formats, damaged and foreign files. */
class MapDbJobStoreTest extends JobStoreContract {
    @TempDir
    Path dir;

    @Override
    protected MapDbJobStore open() {
        return new MapDbJobStore(dir.resolve("overlord/jobs.db"), Duration.ofSeconds(5));
    }

    private MapDbJobStore mapDb() {
        return open();
    }

    /**
     * jobs-format1.db.gz is a store written by the record format 1 code (before the shared
     * RecordBytes encoding): a job on web1 (finished, a struct with a date), web2 (forbidden),
     * web3 (running); its submission was done, so the parameters are gone. This jfunc reads it, and
     * keeps updating it.
     */
    @Test
    void aStoreWrittenInTheFirstRecordFormatIsReadAndKeepsWorking() throws Exception {
        Path file = dir.resolve("overlord/jobs.db");
        Files.createDirectories(file.getParent());
        try (var in = new java.util.zip.GZIPInputStream(getClass().getResourceAsStream("jobs-format1.db.gz"))) {
            Files.copy(in, file);
        }
        String id = "20261203-094500-000-7f3a9c01-5be0c2d94a17e3f8";
        Job read = store().get(id).orElseThrow();
        assertEquals("web*", read.summary().target());
        assertEquals("command.run", read.summary().method());
        assertEquals(Instant.ofEpochMilli(1_796_291_100_000L), read.summary().submitted());
        assertEquals(List.of("web1", "web2", "web3"), read.minions().stream().map(MinionJob::minion).toList());
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) read.minions().get(0).result();
        assertEquals(-3, result.get("exit"));
        assertEquals(new Date(1_700_000_000_000L), result.get("when"));
        assertArrayEquals(new Object[] {"a", "ü€", Integer.MIN_VALUE}, (Object[]) result.get("lines"));
        assertEquals(new MinionError("fault", 104, "forbidden"), read.minions().get(1).error());
        assertEquals(MinionState.RUNNING, read.minions().get(2).state());

        Instant later = Instant.ofEpochMilli(1_796_291_200_000L);
        store().update(id, List.of(MinionJob.finished("web3", "m-3", "up 3 days", later)), true);
        Job after = store().get(id).orElseThrow();
        assertEquals(JobState.FINISHED, after.state());
        assertEquals("up 3 days", after.minions().get(2).result());
        assertEquals(result.keySet(), ((Map<?, ?>) after.minions().get(0).result()).keySet());
    }

    @Test
    void aCorruptedFileIsRefusedAndLeftAsItWas() throws Exception {
        Path file = dir.resolve("overlord/jobs.db");
        Files.createDirectories(file.getParent());
        byte[] garbage = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store().list(null, null, 10));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertArrayEquals(garbage, Files.readAllBytes(file));
    }

    @Test
    void aTruncatedStoreIsRefused() throws Exception {
        MapDbJobStore store = mapDb();
        store.create(newJob("a"));
        byte[] whole = Files.readAllBytes(store.file());
        byte[] half = java.util.Arrays.copyOf(whole, 100);
        Files.write(store.file(), half);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.list(null, null, 10));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason(), e::toString);
        assertArrayEquals(half, Files.readAllBytes(store.file()));
    }

    @Test
    void aStoreDamagedInsideIsRefusedAndLeftAsItWas() throws Exception {
        MapDbJobStore store = mapDb();
        Job job = newJob("a", "b");
        store.create(job);
        byte[] bytes = Files.readAllBytes(store.file());
        byte[] noise = new byte[8192];
        new java.util.Random(3).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, 16, noise.length);
        Files.write(store.file(), bytes);
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.get(job.id()));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason(), e::toString);
        assertArrayEquals(bytes, Files.readAllBytes(store.file()));
    }

    @Test
    void aStoreFromANewerVersionIsRefusedAndLeftAsItWas() throws Exception {
        MapDbJobStore store = mapDb();
        Job job = newJob("a");
        store.create(job);
        DB db = DBMaker.fileDB(store.file().toFile()).transactionEnable().make();
        BTreeMap<String, String> meta = db.treeMap("meta", Serializer.STRING, Serializer.STRING).open();
        meta.put("format", "2");
        db.commit();
        db.close();
        byte[] before = Files.readAllBytes(store.file());
        JobStoreException e = assertThrows(JobStoreException.class, () -> store.get(job.id()));
        assertEquals(JobStoreException.Reason.NEWER_VERSION, e.reason());
        assertTrue(e.getMessage().contains(store.file().toString()) && e.getMessage().contains("newer"), e.getMessage());
        assertThrows(JobStoreException.class, () -> store.create(newJob("b")));
        assertArrayEquals(before, Files.readAllBytes(store.file()));
    }

    @Test
    void aForeignMapDbFileIsRefused() {
        File file = dir.resolve("jobs.db").toFile();
        DB db = DBMaker.fileDB(file).transactionEnable().make();
        db.treeMap("other", Serializer.STRING, Serializer.STRING).create().put("k", "v");
        db.commit();
        db.close();
        JobStoreException e = assertThrows(JobStoreException.class,
                () -> new MapDbJobStore(file.toPath(), Duration.ofSeconds(1)).list(null, null, 1));
        assertEquals(JobStoreException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains("not a jfunc job store"), e.getMessage());
    }

    @Test
    void aRecordFromANewerVersionIsRefused() {
        byte[] record = RecordCodec.encodeMinion(MinionJob.running("a", "1", Instant.now()));
        record[0] = (byte) (RecordCodec.VERSION + 1);
        RecordCodec.FormatException e = assertThrows(RecordCodec.FormatException.class, () -> RecordCodec.decodeMinion(record));
        assertTrue(e.newer);
        byte[] cut = java.util.Arrays.copyOf(RecordCodec.encodeMinion(MinionJob.running("a", "1", Instant.now())), 9);
        assertThrows(RecordCodec.FormatException.class, () -> RecordCodec.decodeMinion(cut));
    }

}
