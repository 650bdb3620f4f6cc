package dev.tessera.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.Tolerances;
import dev.tessera.backend.opencl.gpu.GpuOperatorParameters;
import dev.tessera.backend.opencl.gpu.KernelParameterStore;
import dev.tessera.backend.opencl.gpu.TuningSearch;
import dev.tessera.backend.opencl.gpu.XgemmParameters;
import dev.tessera.opencl.ClDevice;
import dev.tessera.opencl.DeviceInfo;
import dev.tessera.opencl.DeviceLimits;
import dev.tessera.opencl.ProgramCache;

/**
 * The GPU family's operator tuning: parameter groups, refusals under GPU-like limits (256 items, 32 KiB), a real
 * search on the test device against the double-precision reference, and the per-device store that resolves them
 * (persisted, reloaded, per device and kernel source, each group's origin said).
 */
class GpuOperatorTunerTest {
    @TempDir
    Path dir;

    private static final ClDevice GPU_LIKE = TestDevices.device().withLimits(DeviceLimits.GPU_LIKE);

    private static GpuOperatorParameters table() {
        return GpuOperatorParameters.defaultsFor(GPU_LIKE.info()).parameters();
    }

    @Test
    void groupsRoundTripAndWhatTheDeviceCannotRunIsRefusedWithTheReason() {
        GpuOperatorParameters p = table();
        GpuOperatorParameters pool = p.with("pool", Map.of("POOL_TILE_Q", 64, "POOL_TILE_P", 16));
        assertEquals(Map.of("POOL_TILE_Q", 64, "POOL_TILE_P", 16), pool.group("pool"));
        assertEquals(p.group("conv"), pool.group("conv"));
        assertEquals(pool, GpuOperatorParameters.fromMap(pool.asMap()));
        DeviceInfo info = GPU_LIKE.info();
        assertEquals(List.of("work-group too large: pooling tile 64x16 = 1024 items, the device allows 256"),
                pool.problemsOn(info, "pool"));
        // 32 channels of an 18 x 18 input tile plus 4 x 32 x 9 weights: 46080 bytes above 32 KiB
        GpuOperatorParameters conv = p.with("conv", Map.of("CONV_TILE_Q", 16, "CONV_TILE_P", 16, "CC", 32));
        assertEquals(List.of("too much local memory: convolution tile with CC=32 needs "
                + (32 * 18 * 18 + 4 * 32 * 9) * 4 + " bytes, the device has 32768"), conv.problemsOn(info, "conv"));
        for (String group : GpuOperatorParameters.GROUP_ORDER) {
            assertEquals(List.of(), p.problemsOn(info, group), group);
        }
    }

    /**
     * A real search of the element-wise group on the GPU-like device: the baseline, a candidate above the work-group
     * limit (refused, never run) and two others; every run candidate verified within the kernel's bound, the best the
     * fastest of those.
     */
    @Test
    void aRealSearchVerifiesRefusesAndPicksTheFastestVerified() {
        KernelSelection base = KernelSelection.resolve("gpu", GPU_LIKE.info(), null);
        GpuOperatorTuner tuner = new GpuOperatorTuner(GPU_LIKE, ProgramCache.defaultCache(), base, System::nanoTime);
        List<GpuOperatorTuner.Problem> problems = GpuOperatorTuner.representative(8).get("eltwise");
        GpuOperatorParameters current = base.operators().parameters();
        List<GpuOperatorParameters> candidates = List.of(current,
                current.with("eltwise", Map.of("VECTOR_WIDTH", 4, "ELEMENT_GROUP", 1024)),
                current.with("eltwise", Map.of("VECTOR_WIDTH", 16, "ELEMENT_GROUP", 32)),
                current.with("eltwise", Map.of("VECTOR_WIDTH", 1, "ELEMENT_GROUP", 256)));
        TuningSearch.Result<GpuOperatorParameters> result = tuner.search("eltwise", problems, candidates, 600);
        assertEquals(4, result.candidates().size());
        assertEquals(1, result.refused().size());
        assertTrue(result.refused().get(0).status().contains("work-group too large"), result.refused().toString());
        assertNotNull(result.best());
        double fastest = Double.POSITIVE_INFINITY;
        for (var c : result.candidates()) {
            if (c != result.refused().get(0)) {
                assertEquals("ok", c.status(), c.toString());
                assertTrue(c.relativeL2() <= Tolerances.relativeL2("residual_add_vec"), c.toString());
                fastest = Math.min(fastest, c.seconds());
            }
        }
        assertEquals(fastest, result.best().seconds());
    }

    /**
     * A candidate whose kernels compute wrong numbers (one output of each problem off by more than 0.5) is refused as
     * wrong by the check against the reference and never wins, whatever its time; the others are verified.
     */
    @Test
    void aCandidateThatComputesWrongNumbersNeverWins() {
        KernelSelection base = KernelSelection.resolve("gpu", GPU_LIKE.info(), null);
        GpuOperatorTuner tuner = new GpuOperatorTuner(GPU_LIKE, ProgramCache.defaultCache(), base, System::nanoTime);
        GpuOperatorParameters current = base.operators().parameters();
        GpuOperatorParameters wrong = current.with("pool", Map.of("POOL_TILE_Q", 16, "POOL_TILE_P", 2));
        GpuOperatorParameters other = current.with("pool", Map.of("POOL_TILE_Q", 4, "POOL_TILE_P", 4));
        tuner.filterOutputs((p, output) -> {
            if (!p.equals(wrong)) {
                return output;
            }
            Tensor bad = output.copy();
            bad.data()[bad.size() / 2] += 0.5f + Math.abs(bad.data()[bad.size() / 2]);
            return bad;
        });
        TuningSearch.Result<GpuOperatorParameters> result = tuner.search("pool",
                GpuOperatorTuner.representative(8).get("pool"), List.of(current, wrong, other), 600);
        assertEquals(3, result.candidates().size());
        assertTrue(result.candidates().get(1).status().startsWith("wrong: relative L2 error"),
                result.candidates().get(1).status());
        assertTrue(result.candidates().get(0).ok() && result.candidates().get(2).ok(), result.candidates().toString());
        assertTrue(!result.best().parameters().equals(wrong));
    }

    @Test
    void theStorePersistsReloadsAndIsPerDeviceAndKernelSource() throws Exception {
        DeviceInfo info = GPU_LIKE.info();
        KernelParameterStore store = KernelParameterStore.open(dir, info);
        XgemmParameters xgemm = new XgemmParameters(16, 16, 8, 4, 4, 1, 1);
        store.storeGemm(new KernelParameterStore.Tuned(xgemm, 3.5, "tune test gemm"));
        store.storeGroup("lrn", new KernelParameterStore.TunedGroup(Map.of("LRN_PIXELS", 32, "LRN_CHANNELS", 2),
                "tune test lrn"));
        // a tuned pooling tile that this device cannot run: the table's stays, and the origin says why
        store.storeGroup("pool", new KernelParameterStore.TunedGroup(Map.of("POOL_TILE_Q", 64, "POOL_TILE_P", 16),
                "tune elsewhere"));

        KernelParameterStore reloaded = KernelParameterStore.open(dir, info);
        assertEquals(xgemm, reloaded.gemm().orElseThrow().xgemm());
        assertEquals(Map.of("LRN_PIXELS", 32, "LRN_CHANNELS", 2), reloaded.groups().get("lrn").values());

        KernelSelection selection = KernelSelection.resolve("gpu", info, dir);
        assertEquals(xgemm, selection.xgemm());
        assertEquals("tuned: tune test gemm", selection.origin());
        GpuOperatorParameters ops = selection.operators().parameters();
        assertEquals(32, ops.lrnPixels());
        assertEquals(2, ops.lrnChannels());
        assertEquals(table().group("pool"), ops.group("pool"));
        assertEquals(table().group("conv"), ops.group("conv"));
        Map<String, String> origins = selection.operators().groups();
        assertEquals("tuned: tune test lrn", origins.get("lrn"));
        assertTrue(origins.get("pool").startsWith("table: ") && origins.get("pool").contains("do not fit"),
                origins.get("pool"));
        assertTrue(origins.get("conv").startsWith("table: "), origins.get("conv"));
        assertTrue(selection.operators().origin().endsWith("; tuned: lrn"), selection.operators().origin());
        @SuppressWarnings("unchecked")
        Map<String, String> described = (Map<String, String>) selection.describe().get("operators_origins");
        assertEquals(origins, described);

        // another device (name), or the same device after its kernels changed: nothing tuned applies
        DeviceInfo other = new DeviceInfo(info.index(), info.platform(), info.platformVersion(), info.name() + " 2",
                info.vendor(), info.type(), info.driverVersion(), info.deviceVersion(), info.openclLanguageVersion(),
                info.computeUnits(), info.clockMhz(), info.globalMemBytes(), info.maxAllocBytes(),
                info.localMemBytes(), info.localMemDedicated(), info.maxWorkGroupSize(), info.maxWorkItemSizes(),
                info.preferredVectorWidth(), info.nativeVectorWidth(), info.fp16(), info.fp64(), info.extensions());
        KernelSelection elsewhere = KernelSelection.resolve("gpu", other, dir);
        assertTrue(elsewhere.operators().groups().values().stream().allMatch(o -> o.startsWith("table: "))
                && elsewhere.origin().startsWith("table: "), elsewhere.describe().toString());
        assertEquals(16, KernelParameterStore.sourceHash().length());
        KernelParameterStore changedKernels = KernelParameterStore.open(dir, info, "0123456789abcdef");
        assertTrue(changedKernels.groups().isEmpty() && changedKernels.gemm().isEmpty());
        assertTrue(!changedKernels.file().equals(store.file()));

        // a damaged file is ignored, not trusted
        Files.writeString(store.file(), Files.readString(store.file()).replace("LRN_PIXELS=32", "LRN_PIXELS=x"));
        assertTrue(KernelParameterStore.open(dir, info).groups().isEmpty());
        assertTrue(KernelSelection.resolve("gpu", info, dir).operators().groups().get("lrn").startsWith("table: "));
    }
}
