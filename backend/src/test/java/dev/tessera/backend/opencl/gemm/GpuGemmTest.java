package dev.tessera.backend.opencl.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.gemm.GemmEpilogue.Bias;
import dev.tessera.backend.opencl.gemm.PackedGemmTest.Case;
import dev.tessera.backend.opencl.gpu.GpuTunables;
import dev.tessera.backend.opencl.gpu.XgemmParameters;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.LiveResources;
import dev.tessera.opencl.ProgramCache;

/**
 * The GPU family's GEMM ({@code gemm_gpu.cl}) against a triple loop in double, through {@link PackedGemm} with
 * several {@link XgemmParameters}: random shapes with fixed seeds and the edge cases (one row or column, sizes one
 * below and above the tiles, K not a multiple of KWG, batches, every epilogue). Every float of C outside the product
 * must stay as it was ({@link PackedGemmTest#check}).
 */
class GpuGemmTest {
    private static ClContext context;

    /** Shapes that exercise each code path: scalar and vector reads, one work-item, wide and narrow groups. */
    private static final List<XgemmParameters> SHAPES = List.of(
            new XgemmParameters(32, 32, 16, 8, 8, 4, 4),
            new XgemmParameters(16, 32, 8, 4, 8, 1, 2),
            new XgemmParameters(8, 16, 4, 2, 2, 2, 8),
            new XgemmParameters(4, 4, 4, 1, 1, 1, 1),
            new XgemmParameters(24, 12, 5, 3, 3, 8, 4));

    @BeforeAll
    static void open() {
        context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache());
    }

    @AfterAll
    static void close() {
        context.close();
    }

    @Test
    void randomShapesMatchTheTripleLoop() {
        SplittableRandom random = new SplittableRandom(20261204);
        for (XgemmParameters shape : SHAPES) {
            try (PackedGemm gemm = new PackedGemm(context, GemmTuning.forXgemm(shape))) {
                for (int i = 0; i < 12; i++) {
                    int k = random.nextInt(6) == 0 ? 70 + random.nextInt(100) : 1 + random.nextInt(40);
                    Case c = new Case(1 + random.nextInt(70), 1 + random.nextInt(90), k, 1 + random.nextInt(3),
                            Bias.values()[random.nextInt(3)], random.nextBoolean(), random.nextBoolean(),
                            random.nextInt(4) == 0, random.nextInt(4) == 0);
                    PackedGemmTest.check(context, gemm, c, random.split());
                }
            }
        }
    }

    @Test
    void edgeShapesOfTheTableDefault() {
        XgemmParameters shape = GpuTunables.defaultsFor(context.info()).xgemm();
        try (PackedGemm gemm = new PackedGemm(context, GemmTuning.forXgemm(shape))) {
            int mwg = shape.mwg();
            int nwg = shape.nwg();
            int kwg = shape.kwg();
            List<Case> cases = new ArrayList<>(List.of(Case.plain(1, 1, 1), Case.plain(1, 77, 13),
                    Case.plain(45, 1, 9), Case.plain(mwg - 1, nwg - 1, kwg - 1), Case.plain(mwg + 1, nwg + 1, kwg + 1),
                    Case.plain(mwg, nwg, kwg), Case.plain(2 * mwg, 3 * nwg, 2 * kwg),
                    Case.plain(3, shape.vwn() + 1, 5), Case.plain(64, 196, 27)));
            for (Case c : List.copyOf(cases)) {
                cases.add(c.with(Bias.PER_ROW, true, false));
                cases.add(c.with(Bias.PER_COLUMN, false, true));
            }
            cases.add(Case.plain(24, 49, 32).batched(16));
            cases.add(Case.plain(10, 9, 16).batched(36).with(Bias.PER_ROW, true, false));
            SplittableRandom random = new SplittableRandom(11);
            for (Case c : cases) {
                PackedGemmTest.check(context, gemm, c, random.split());
            }
        }
    }

    @Test
    void illegalParametersAreRefusedWithTheRule() {
        IllegalArgumentException notMultiple = assertThrows(IllegalArgumentException.class,
                () -> new XgemmParameters(30, 32, 16, 8, 8, 1, 1));
        assertTrue(notMultiple.getMessage().contains("multiple of MDIMC*VWM"), notMultiple.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new XgemmParameters(32, 32, 16, 8, 8, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new XgemmParameters(128, 128, 16, 8, 8, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new GemmTuning(8, 16, 4, 1, 1, 1, 64, 1, 1, 1,
                new XgemmParameters(8, 8, 4, 2, 2, 1, 1)));
        assertEquals(new XgemmParameters(64, 32, 8, 16, 8, 2, 4),
                XgemmParameters.parse(new XgemmParameters(64, 32, 8, 16, 8, 2, 4).toString()));
    }

    @Test
    void aWorkGroupBeyondTheDeviceIsRefusedBeforeLaunching() {
        long items = context.info().maxWorkGroupSize();
        // the smallest legal shape whose work-group is larger than the device allows
        int side = 1;
        while ((long) side * side <= items) {
            side *= 2;
        }
        XgemmParameters tooLarge = new XgemmParameters(side, side, 1, side, side, 1, 1);
        String before = LiveResources.summary();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PackedGemm(context, GemmTuning.forXgemm(tooLarge)));
        assertTrue(e.getMessage().contains("exceed"), e.getMessage());
        assertEquals(before, LiveResources.summary(), "nothing leaks from a refused build");
    }
}
