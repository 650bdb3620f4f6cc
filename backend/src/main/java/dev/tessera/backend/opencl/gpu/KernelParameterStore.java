package dev.tessera.backend.opencl.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tessera.opencl.AtomicFiles;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.ProgramSource;
import dev.tessera.opencl.Sha256;

/**
 * The GPU family's kernel parameters that {@code tessera tune} measured, per device and kernel source: one small file
 * per key under a directory (default {@code <cache root>/tuning/kernels/}), written atomically. The key is the device's
 * {@link DeviceInfo#key()} (name, driver, compute units) and the SHA-256 of the GPU family's kernel sources
 * ({@link #SOURCES}); the file's first line holds it, so parameters are never used on another device nor after the
 * kernels changed. What it does not hold comes from the tables ({@link GpuTunables}, {@link GpuOperatorParameters}).
 * A damaged or foreign file is ignored (with a warning), never trusted.
 *
 * <p>Lines after the header: {@code xgemm TAB parameters TAB GFLOP/s TAB how} and, per operator group,
 * {@code group TAB name TAB NAME=value,... TAB how}.
 */
public final class KernelParameterStore {
    private static final Logger LOG = LoggerFactory.getLogger(KernelParameterStore.class);
    private static final String HEADER = "# tessera kernel parameters v2 device=";

    /** The GPU family's kernel files whose text is part of the key. */
    public static final List<String> SOURCES = List.of("gemm_gpu.cl", "conv_direct_gpu.cl", "conv_winograd.cl",
            "pool_gpu.cl", "lrn_gpu.cl", "eltwise_gpu.cl", "reduce_gpu.cl");

    private static volatile String sourceHash;

    /** What tune found for the GEMM: the parameters, their GFLOP/s on the tuning problem and how it was found. */
    public record Tuned(XgemmParameters xgemm, double gflops, String how) {
    }

    /** What tune found for one operator group ({@link GpuOperatorParameters#GROUPS}): its values and how. */
    public record TunedGroup(Map<String, Integer> values, String how) {
    }

    private final Path file;
    private final String key;

    private KernelParameterStore(Path file, String key) {
        this.file = file;
        this.key = key;
    }

    /** The store for {@code device} in {@code dir}; null {@code dir}: nothing stored, nothing read. */
    public static KernelParameterStore open(Path dir, DeviceInfo device) {
        return open(dir, device, sourceHash());
    }

    /** The store for {@code device} and kernel sources of hash {@code sources} (tests: a changed kernel). */
    public static KernelParameterStore open(Path dir, DeviceInfo device, String sources) {
        String key = device.key() + " sources=" + sources;
        return new KernelParameterStore(dir == null ? null : dir.resolve(Sha256.hex(key) + ".txt"), key);
    }

    /** The SHA-256 of the GPU family's kernel sources (includes resolved), first 16 hex digits. */
    public static String sourceHash() {
        String hash = sourceHash;
        if (hash == null) {
            StringBuilder text = new StringBuilder();
            for (String source : SOURCES) {
                text.append(source).append('\n').append(ProgramSource.resource(source).text()).append('\n');
            }
            hash = Sha256.hex(text.toString()).substring(0, 16);
            sourceHash = hash;
        }
        return hash;
    }

    /** The file, or null for a store that keeps nothing. */
    public Path file() {
        return file;
    }

    /** The GEMM parameters tune stored for this device, if any. */
    public Optional<Tuned> gemm() {
        return Optional.ofNullable(read().gemm());
    }

    /** The operator groups tune stored for this device, by group name (empty if none). */
    public Map<String, TunedGroup> groups() {
        return read().groups();
    }

    /** Stores {@code tuned} for this device, replacing the GEMM's entry and keeping the groups. */
    public void storeGemm(Tuned tuned) throws IOException {
        Content content = read();
        write(new Content(tuned, content.groups()));
    }

    /** Stores {@code tuned} for operator group {@code group}, replacing that group's entry and keeping the rest. */
    public void storeGroup(String group, TunedGroup tuned) throws IOException {
        if (!GpuOperatorParameters.GROUPS.containsKey(group)
                || !tuned.values().keySet().equals(new java.util.HashSet<>(GpuOperatorParameters.GROUPS.get(group)))) {
            throw new IllegalArgumentException("not the parameters of group " + group + ": " + tuned.values());
        }
        Content content = read();
        Map<String, TunedGroup> groups = new LinkedHashMap<>(content.groups());
        groups.put(group, tuned);
        write(new Content(content.gemm(), groups));
    }

    private record Content(Tuned gemm, Map<String, TunedGroup> groups) {
    }

    private Content read() {
        Content empty = new Content(null, Map.of());
        if (file == null || !Files.exists(file)) {
            return empty;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER + key)) {
                LOG.warn("kernel parameter file {} belongs to another device or kernel source, or is damaged; "
                        + "ignoring it", file);
                return empty;
            }
            Tuned gemm = null;
            Map<String, TunedGroup> groups = new LinkedHashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", -1);
                if (f.length == 4 && f[0].equals("xgemm")) {
                    gemm = new Tuned(XgemmParameters.parse(f[1]), Double.parseDouble(f[2]), f[3]);
                } else if (f.length == 4 && f[0].equals("group") && GpuOperatorParameters.GROUPS.containsKey(f[1])) {
                    Map<String, Integer> values = new LinkedHashMap<>();
                    for (String pair : f[2].split(",")) {
                        String[] kv = pair.split("=", 2);
                        values.put(kv[0], Integer.parseInt(kv[1]));
                    }
                    if (!values.keySet().equals(new java.util.HashSet<>(GpuOperatorParameters.GROUPS.get(f[1])))) {
                        throw new IllegalArgumentException("group " + f[1] + " has the wrong parameters: " + f[2]);
                    }
                    groups.put(f[1], new TunedGroup(values, f[3]));
                } else if (!line.isBlank()) {
                    throw new IllegalArgumentException("unknown line: " + line);
                }
            }
            return new Content(gemm, groups);
        } catch (IOException | RuntimeException e) {
            LOG.warn("kernel parameter file {} is damaged ({}); ignoring it", file, e.getMessage());
            return empty;
        }
    }

    private void write(Content content) throws IOException {
        if (file == null) {
            return;
        }
        StringBuilder text = new StringBuilder(HEADER).append(key).append('\n');
        if (content.gemm() != null) {
            text.append("xgemm\t").append(content.gemm().xgemm()).append('\t').append(content.gemm().gflops())
                    .append('\t').append(clean(content.gemm().how())).append('\n');
        }
        for (var e : content.groups().entrySet()) {
            StringBuilder values = new StringBuilder();
            e.getValue().values().forEach((name, v) -> values.append(values.isEmpty() ? "" : ",").append(name)
                    .append('=').append(v));
            text.append("group\t").append(e.getKey()).append('\t').append(values).append('\t')
                    .append(clean(e.getValue().how())).append('\n');
        }
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String clean(String how) {
        return how.replace('\t', ' ').replace('\n', ' ');
    }
}
