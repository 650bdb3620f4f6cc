package dev.tessera.backend.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.Sha256;

/**
 * AUTO's memory: per device (name, driver, compute units: {@link DeviceInfo#key()}), the fastest solver found for
 * each convolution problem. One tab-separated file per device under {@code <dir>}; its first line holds the device key
 * so that an entry is never reused on another device. Writes are atomic. Unreadable lines are skipped, never trusted.
 */
public final class ConvTuningDatabase {
    private static final Logger LOG = LoggerFactory.getLogger(ConvTuningDatabase.class);
    private static final String HEADER = "# tessera conv tuning v1 device=";

    /** One remembered choice. */
    public record Entry(String problemKey, String solverId, double bestMs, String timings) {
    }

    private final Path file;
    private final String deviceKey;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private ConvTuningDatabase(Path file, String deviceKey) {
        this.file = file;
        this.deviceKey = deviceKey;
        load();
    }

    /** The database for {@code device} in {@code dir}, or an in-memory one when {@code dir} is null. */
    public static ConvTuningDatabase open(Path dir, DeviceInfo device) {
        return new ConvTuningDatabase(dir == null ? null : dir.resolve(Sha256.hex(device.key()) + ".tsv"), device.key());
    }

    public Path file() {
        return file;
    }

    public synchronized Optional<Entry> lookup(String problemKey) {
        return Optional.ofNullable(entries.get(problemKey));
    }

    public synchronized void store(Entry entry) {
        entries.put(entry.problemKey(), entry);
        save();
    }

    public synchronized int size() {
        return entries.size();
    }

    private void load() {
        if (file == null || !Files.exists(file)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER + deviceKey)) {
                LOG.warn("tuning database {} belongs to another device or is damaged; starting afresh", file);
                return;
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", -1);
                if (f.length != 4) {
                    continue;
                }
                try {
                    entries.put(f[0], new Entry(f[0], f[1], Double.parseDouble(f[2]), f[3]));
                } catch (NumberFormatException e) {
                    LOG.warn("skipping damaged tuning database line: {}", line);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not read tuning database {}: {}", file, e.getMessage());
        }
    }

    private void save() {
        if (file == null) {
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(HEADER + deviceKey);
        for (Entry e : entries.values()) {
            lines.add(e.problemKey() + "\t" + e.solverId() + "\t" + e.bestMs() + "\t" + e.timings());
        }
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("could not write tuning database {}: {}", file, e.getMessage());
        }
    }
}
