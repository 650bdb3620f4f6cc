package dev.tessera.backend.opencl.conv;

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
 * AUTO's memory: per device (name, driver, compute units: {@link DeviceInfo#key()}), the solver {@link ConvSolverFinder}
 * chose for each convolution problem ({@link dev.tessera.backend.ConvProblem#tuningKey()}: fused and unfused variants
 * share it), together with the fingerprint of the solvers it chose among and of AUTO's rule
 * ({@link ConvSolverFinder#fingerprint()}: every solver's id, version and kernel sources' hash, and
 * {@link ConvSolverFinder#RULE}). A lookup with another fingerprint misses, so changed kernels or
 * solvers are timed again; the new choice replaces the old. One tab-separated file per device under {@code <dir>}; its
 * first line holds the format version and the device key so that an entry is never reused on another device. Writes are
 * atomic. Unreadable lines are skipped, never trusted.
 */
public final class ConvTuningDatabase {
    private static final Logger LOG = LoggerFactory.getLogger(ConvTuningDatabase.class);
    private static final String HEADER = "# tessera conv tuning v2 device=";

    /**
     * One remembered choice.
     *
     * @param problemKey  the problem's {@link dev.tessera.backend.ConvProblem#tuningKey()}
     * @param fingerprint the candidates' {@link ConvSolvers#fingerprint} when it was timed
     * @param solverId    the chosen solver
     * @param scoreMs     the chosen solver's score ({@link ConvSolverFinder#score}) in wall ms of one step
     * @param timings     every candidate's figure, for the user
     */
    public record Entry(String problemKey, String fingerprint, String solverId, double scoreMs, String timings) {
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

    /** The choice for {@code problemKey} made among candidates with {@code fingerprint}; empty if none or another. */
    public synchronized Optional<Entry> lookup(String problemKey, String fingerprint) {
        Entry e = entries.get(problemKey);
        return e != null && e.fingerprint().equals(fingerprint) ? Optional.of(e) : Optional.empty();
    }

    /** Whatever is stored for {@code problemKey}, whichever candidates it was chosen among. */
    public synchronized Optional<Entry> lookupAny(String problemKey) {
        return Optional.ofNullable(entries.get(problemKey));
    }

    /** Stores {@code entry}, replacing any earlier choice for its problem. */
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
                LOG.warn("tuning database {} is of another format version or device, or damaged; starting afresh",
                        file);
                return;
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    continue;
                }
                try {
                    entries.put(f[0], new Entry(f[0], f[1], f[2], Double.parseDouble(f[3]), f[4]));
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
            lines.add(e.problemKey() + "\t" + e.fingerprint() + "\t" + e.solverId() + "\t" + e.scoreMs() + "\t"
                    + e.timings());
        }
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("could not write tuning database {}: {}", file, e.getMessage());
        }
    }
}
