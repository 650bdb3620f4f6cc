package dev.tessera.backend.opencl.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.Sha256;

/**
 * The GPU family's kernel parameters that {@code tessera tune} measured, per device ({@link DeviceInfo#key()}: name,
 * driver, compute units), one small file per device under a directory (default {@code <cache root>/kernels/}),
 * written atomically; its first line holds the device key so an entry is never used on another device. Separate from
 * the convolution solvers' tuning database. A damaged or foreign file is ignored (with a warning), never trusted.
 */
public final class KernelParameterStore {
    private static final Logger LOG = LoggerFactory.getLogger(KernelParameterStore.class);
    private static final String HEADER = "# tessera kernel parameters v1 device=";

    /** What tune found for the GEMM: the parameters, their GFLOP/s on the tuning problem and how it was found. */
    public record Tuned(XgemmParameters xgemm, double gflops, String how) {
    }

    private final Path file;
    private final String deviceKey;

    private KernelParameterStore(Path file, String deviceKey) {
        this.file = file;
        this.deviceKey = deviceKey;
    }

    /** The store for {@code device} in {@code dir}; null {@code dir}: nothing stored, nothing read. */
    public static KernelParameterStore open(Path dir, DeviceInfo device) {
        return new KernelParameterStore(dir == null ? null : dir.resolve(Sha256.hex(device.key()) + ".txt"),
                device.key());
    }

    /** The file, or null for a store that keeps nothing. */
    public Path file() {
        return file;
    }

    /** The GEMM parameters tune stored for this device, if any. */
    public Optional<Tuned> gemm() {
        if (file == null || !Files.exists(file)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).equals(HEADER + deviceKey)) {
                LOG.warn("kernel parameter file {} belongs to another device or is damaged; ignoring it", file);
                return Optional.empty();
            }
            String[] f = lines.get(1).split("\t", -1);
            if (f.length != 4 || !f[0].equals("xgemm")) {
                LOG.warn("kernel parameter file {} is damaged; ignoring it", file);
                return Optional.empty();
            }
            return Optional.of(new Tuned(XgemmParameters.parse(f[1]), Double.parseDouble(f[2]), f[3]));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("could not read kernel parameter file {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Stores {@code tuned} for this device, replacing what was there. */
    public void storeGemm(Tuned tuned) throws IOException {
        if (file == null) {
            return;
        }
        String text = HEADER + deviceKey + "\n" + "xgemm\t" + tuned.xgemm() + "\t" + tuned.gflops() + "\t"
                + tuned.how().replace('\t', ' ').replace('\n', ' ') + "\n";
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
