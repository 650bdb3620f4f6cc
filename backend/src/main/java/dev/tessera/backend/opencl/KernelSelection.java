package dev.tessera.backend.opencl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.opencl.common.KernelFamily;
import dev.tessera.backend.opencl.gemm.GemmTuning;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.GpuTunables;
import dev.tessera.backend.opencl.gpu.KernelParameterStore;
import dev.tessera.backend.opencl.gpu.XgemmParameters;
import dev.tessera.opencl.DeviceInfo;

/**
 * The kernel family a backend runs and, for the GPU family, the GEMM parameters with where they came from: the
 * per-device {@link KernelParameterStore} (what {@code tessera tune} measured) if it holds parameters that fit the
 * device, else the {@link GpuTunables} table. Fixed when the backend opens, so every plan of it uses the same kernels.
 *
 * @param family    the family that runs
 * @param xgemm     the GPU GEMM's parameters; null for the CPU family
 * @param operators the GPU family's parameters for convolution tiles, pooling, LRN, element-wise, softmax and FC at
 *                  batch 1, per group from the store where tune measured them, else from the table; null for the CPU
 *                  family
 * @param origin    how the GEMM parameters were chosen ("tuned ...", "table: vendor 'nvidia'", ...; the CPU family's
 *                  rule)
 */
public record KernelSelection(KernelFamily family, XgemmParameters xgemm, GpuOperatorParameters.Choice operators,
        String origin) {
    public KernelSelection {
        if ((family == KernelFamily.GPU) != (xgemm != null) || (xgemm != null) != (operators != null)) {
            throw new IllegalArgumentException("the GPU family needs GEMM and operator parameters and the CPU family "
                    + "none");
        }
    }

    /** The CPU family: the packed-panel kernels with {@link GemmTuning#forDevice}'s rule. */
    public static final KernelSelection CPU = new KernelSelection(KernelFamily.CPU, null, null,
            "cpu family: GemmTuning.forDevice");

    /**
     * The selection {@code choice} (cpu, gpu, auto) names on {@code device}, the GPU family's parameters from the store
     * in {@code storeDir} (null: the table only).
     */
    public static KernelSelection resolve(String choice, DeviceInfo device, Path storeDir) {
        if (KernelFamily.resolve(choice, device) == KernelFamily.CPU) {
            return CPU;
        }
        KernelParameterStore store = KernelParameterStore.open(storeDir, device);
        GpuOperatorParameters.Choice operators = operators(device, store);
        var tuned = store.gemm();
        GpuTunables.Choice table = GpuTunables.defaultsFor(device);
        if (tuned.isPresent()) {
            var problems = tuned.get().xgemm().problemsOn(device);
            if (problems.isEmpty()) {
                return new KernelSelection(KernelFamily.GPU, tuned.get().xgemm(), operators,
                        "tuned: " + tuned.get().how());
            }
            return new KernelSelection(KernelFamily.GPU, table.xgemm(), operators, table.origin() + " [the tuned "
                    + tuned.get().xgemm() + " does not fit this device's limits: " + String.join("; ", problems)
                    + "]");
        }
        return new KernelSelection(KernelFamily.GPU, table.xgemm(), operators, table.origin());
    }

    /** The GPU family with these GEMM parameters and the operator table's entry for {@code device}. */
    public static KernelSelection gpu(XgemmParameters xgemm, DeviceInfo device, String origin) {
        return new KernelSelection(KernelFamily.GPU, xgemm, GpuOperatorParameters.defaultsFor(device), origin);
    }

    /**
     * The operator parameters for {@code device}: the table's entry, each group {@code tune} stored replacing the
     * table's values where they fit the device's limits (else the table's stay, and the group's origin says why).
     */
    static GpuOperatorParameters.Choice operators(DeviceInfo device, KernelParameterStore store) {
        GpuOperatorParameters.Choice table = GpuOperatorParameters.defaultsFor(device);
        GpuOperatorParameters parameters = table.parameters();
        Map<String, String> origins = new LinkedHashMap<>(table.groups());
        List<String> tuned = new ArrayList<>();
        for (var e : store.groups().entrySet()) {
            GpuOperatorParameters candidate;
            try {
                candidate = parameters.with(e.getKey(), e.getValue().values());
            } catch (IllegalArgumentException invalid) {
                origins.put(e.getKey(), table.origin() + " [the tuned " + e.getValue().values() + " are invalid: "
                        + invalid.getMessage() + "]");
                continue;
            }
            List<String> problems = candidate.problemsOn(device, e.getKey());
            if (problems.isEmpty()) {
                parameters = candidate;
                origins.put(e.getKey(), "tuned: " + e.getValue().how());
                tuned.add(e.getKey());
            } else {
                origins.put(e.getKey(), table.origin() + " [the tuned " + e.getValue().values() + " do not fit this "
                        + "device's limits: " + String.join("; ", problems) + "]");
            }
        }
        String origin = tuned.isEmpty() ? table.origin()
                : table.origin() + "; tuned: " + String.join(", ", tuned);
        return new GpuOperatorParameters.Choice(parameters, origin, origins);
    }

    /** The GEMM tuning of this selection on {@code device}. */
    public GemmTuning gemmTuning(DeviceInfo device) {
        return xgemm == null ? GemmTuning.forDevice(device) : GemmTuning.forXgemm(xgemm);
    }

    /**
     * The key under which AUTO remembers its choice for a problem: the problem's own for the CPU family (so existing
     * databases stay valid), with the family and GEMM parameters for the GPU family, whose timings differ.
     */
    public String autoKey(String problemKey) {
        return xgemm == null ? problemKey : problemKey + " | kernels=gpu " + xgemm;
    }

    /** What ran, for --json output and result rows: family, GEMM parameters (GPU family) and their origin. */
    public Map<String, Object> describe() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("family", family.id());
        if (xgemm != null) {
            map.put("gemm", xgemm.asMap());
        }
        map.put("origin", origin);
        if (operators != null) {
            map.put("operators", operators.parameters().asMap());
            map.put("operators_origin", operators.origin());
            map.put("operators_origins", operators.groups());
        }
        return map;
    }

    /** One line: the family and, for the GPU family, the GEMM parameters. */
    public String summary() {
        return xgemm == null ? family.id() : family.id() + " (" + xgemm + ")";
    }
}
