package dev.tessera.backend.opencl.gemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.common.OwnedResources;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.backend.opencl.conv.Im2colGemmPlan;
import dev.tessera.backend.opencl.conv.Im2colGemmSolver;
import dev.tessera.backend.opencl.conv.PreparedConv;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramCache;

/**
 * Measures PackedGemm and the im2col solver (not a unit test): GFLOP/s from kernel event times after a warm-up, best of
 * several runs. GEMM: 2*M*N*K / multiply time, packing reported apart. Convolutions: 2*macs / the summed time of all
 * the solver's launches, im2col and packing included, with their share.
 *
 * <p>Given several {@code --tuning}s it compares them: each shape runs every tuning in turn, round after round, so that
 * the load of a shared machine falls on all of them alike.
 *
 * <pre>
 * java ... dev.tessera.backend.opencl.gemm.GemmSpeed [gemm] [conv] [--seconds S]
 *          [--tuning mr,nr,vw,wgRows,wgColumns,kUnroll,packWg,rowsPerItem,chunkBytes,chunkPanels]...
 * </pre>
 * Device: as for the tests, {@code TESSERA_TEST_DEVICE} or device 0.
 */
public final class GemmSpeed {
    private record Shape(String name, int m, int n, int k) {
    }

    private record Layer(String name, ConvProblem problem) {
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape("square 512", 512, 512, 512),
            new Shape("square 1024", 1024, 1024, 1024),
            new Shape("square 2048", 2048, 2048, 2048),
            new Shape("M3132 N64 K576", 3132, 64, 576),
            new Shape("M192 N512 K4608", 192, 512, 4608),
            new Shape("M786 N512 K4608", 786, 512, 4608),
            new Shape("M64 N50176 K27", 64, 224 * 224, 27));

    private static final List<Layer> LAYERS = List.of(
            layer("VGG-16 conv1_2 64->64 224", 64, 224, 64, 3, 1, 1),
            layer("VGG-16 conv2_2 128->128 112", 128, 112, 128, 3, 1, 1),
            layer("VGG-16 conv3_2 256->256 56", 256, 56, 256, 3, 1, 1),
            layer("VGG-16 conv4_2 512->512 28", 512, 28, 512, 3, 1, 1),
            layer("VGG-16 conv5_2 512->512 14", 512, 14, 512, 3, 1, 1),
            layer("ResNet-50 stem 7x7/2 3->64", 3, 224, 64, 7, 2, 3),
            layer("ResNet-50 1x1 256->64 56", 256, 56, 64, 1, 1, 0),
            layer("ResNet-50 3x3 64->64 56", 64, 56, 64, 3, 1, 1),
            layer("ResNet-50 1x1 512->128 28", 512, 28, 128, 1, 1, 0),
            layer("ResNet-50 3x3 256->256 14", 256, 14, 256, 3, 1, 1),
            layer("ResNet-50 1x1 1024->256 14", 1024, 14, 256, 1, 1, 0),
            layer("ResNet-50 3x3 512->512 7", 512, 7, 512, 3, 1, 1),
            layer("ResNet-50 1x1 2048->512 7", 2048, 7, 512, 1, 1, 0));

    private GemmSpeed() {
    }

    private static Layer layer(String name, int c, int size, int k, int kernel, int stride, int pad) {
        return new Layer(name, new ConvProblem(1, c, size, size, k, kernel, kernel,
                Operator.Conv2d.of(stride, pad).withRelu(true), true));
    }

    public static void main(String[] args) {
        List<String> sections = new ArrayList<>();
        double seconds = 2;
        List<GemmTuning> tunings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--tuning" -> tunings.add(parseTuning(args[++i]));
                default -> sections.add(args[i]);
            }
        }
        try (ClContext context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache())) {
            if (tunings.isEmpty()) {
                tunings.add(GemmTuning.forDevice(context.info()));
            }
            System.out.println("device: " + context.info().name() + " | " + context.info().driverVersion());
            for (int t = 0; t < tunings.size(); t++) {
                System.out.println("tuning " + t + ": " + tunings.get(t));
            }
            if (sections.isEmpty() || sections.contains("gemm")) {
                gemms(context, tunings, seconds);
            }
            if (sections.isEmpty() || sections.contains("conv")) {
                convolutions(context, tunings, seconds);
            }
        }
    }

    private static GemmTuning parseTuning(String text) {
        long[] v = Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
        return new GemmTuning((int) v[0], (int) v[1], (int) v[2], (int) v[3], (int) v[4], (int) v[5], (int) v[6],
                (int) v[7], v[8], (int) v[9]);
    }

    private static void gemms(ClContext context, List<GemmTuning> tunings, double seconds) {
        System.out.printf(Locale.ROOT, "%n%-18s %6s %9s %9s %10s %9s %9s%n", "GEMM C = A B", "tuning", "pack A ms",
                "pack B ms", "GEMM ms", "GFLOP/s", "median");
        for (Shape s : SHAPES) {
            try (OwnedResources owned = new OwnedResources()) {
                ClBuffer a = owned.add(context.buffer(Tensor.random(1, -1, 1, s.m(), s.k()).data()));
                ClBuffer b = owned.add(context.buffer(Tensor.random(2, -1, 1, s.k(), s.n()).data()));
                ClBuffer c = owned.add(context.buffer((long) s.m() * s.n() * Float.BYTES));
                List<Launches> packsA = new ArrayList<>();
                List<Launches> packsB = new ArrayList<>();
                List<Launches> multiplies = new ArrayList<>();
                for (GemmTuning tuning : tunings) {
                    PackedGemm gemm = owned.add(new PackedGemm(context, tuning));
                    ClBuffer packedA = owned.add(context.buffer(gemm.packedASize(s.m(), s.k()) * Float.BYTES));
                    ClBuffer packedB = owned.add(context.buffer(gemm.packedBSize(s.k(), s.n()) * Float.BYTES));
                    StridedMatrix aSource = StridedMatrix.rowMajor(a, 0, s.m(), s.k(), s.k());
                    StridedMatrix bSource = StridedMatrix.rowMajor(b, 0, s.k(), s.n(), s.n());
                    packsA.add(() -> List.of(gemm.packA(aSource, packedA, 0)));
                    packsB.add(() -> List.of(gemm.packB(bSource, packedB, 0)));
                    multiplies.add(() -> List.of(gemm.multiply(s.m(), s.n(), s.k(), packedA, 0, packedB, 0, c, 0,
                            s.n(), GemmEpilogue.NONE, GemmBatch.SINGLE)));
                }
                List<Samples> packA = measure(seconds / 4, packsA);
                List<Samples> packB = measure(seconds / 4, packsB);
                List<Samples> multiply = measure(seconds, multiplies);
                double flops = 2.0 * s.m() * s.n() * s.k();
                for (int t = 0; t < tunings.size(); t++) {
                    System.out.printf(Locale.ROOT, "%-18s %6d %9.3f %9.3f %10.3f %9.1f %9.1f%n", s.name(), t,
                            packA.get(t).bestMs(), packB.get(t).bestMs(), multiply.get(t).bestMs(),
                            flops / multiply.get(t).bestMs() / 1e6, flops / multiply.get(t).medianMs() / 1e6);
                }
            }
        }
    }

    private static void convolutions(ClContext context, List<GemmTuning> tunings, double seconds) {
        System.out.printf(Locale.ROOT, "%n%-28s %6s %7s %9s %9s %9s %10s %8s%n", "im2col solver, batch 1", "tuning",
                "GFLOP", "total ms", "GFLOP/s", "median", "packing %", "launches");
        for (Layer layer : LAYERS) {
            ConvProblem p = layer.problem();
            try (OwnedResources owned = new OwnedResources()) {
                ClBuffer input = owned.add(context.buffer(Tensor.random(5, -1, 1, p.inputShape()).data()));
                ClBuffer output = owned.add(context.buffer((long) p.n() * p.k() * p.p() * p.q() * Float.BYTES));
                List<Launches> runs = new ArrayList<>();
                for (GemmTuning tuning : tunings) {
                    PreparedConv prepared = owned.add(new Im2colGemmSolver(tuning).prepare(context, p,
                            Tensor.random(3, -1, 1, p.weightShape()), Tensor.random(4, -1, 1, p.k())));
                    runs.add(() -> prepared.run(input, output));
                }
                List<Samples> samples = measure(seconds, runs);
                double flops = 2.0 * p.macs();
                for (int t = 0; t < tunings.size(); t++) {
                    Samples run = samples.get(t);
                    System.out.printf(Locale.ROOT, "%-28s %6d %7.2f %9.3f %9.1f %9.1f %9.1f%% %8d%n", layer.name(), t,
                            flops / 1e9, run.bestMs(), flops / run.bestMs() / 1e6, flops / run.medianMs() / 1e6,
                            100.0 * packingNs(new Im2colGemmPlan(p, tunings.get(t)), run.bestLaunches())
                                    / (run.bestMs() * 1e6), run.bestLaunches().size());
                }
            }
        }
    }

    /** The packing share of one run: run() lists, per chunk of columns, the packing launch(es), then the GEMM's. */
    private static long packingNs(Im2colGemmPlan plan, List<EventTiming> launches) {
        int packsPerChunk = plan.pointwise() ? plan.problem().groups() : 1;
        long packing = 0;
        for (int i = 0; i < launches.size(); i++) {
            if (i % (packsPerChunk + 1) != packsPerChunk) {
                packing += launches.get(i).kernelNs();
            }
        }
        return packing;
    }

    /** Kernel times of repeated runs of one candidate, each run's launches summed. */
    private record Samples(List<Double> totalsMs, List<EventTiming> bestLaunches) {
        double bestMs() {
            return totalsMs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }

        double medianMs() {
            return totalsMs.stream().sorted().toList().get(totalsMs.size() / 2);
        }
    }

    private interface Launches {
        List<EventTiming> run();
    }

    /**
     * Two warm-up runs of every candidate (PoCL compiles a kernel for each new work-group size at its first launch),
     * then rounds in which each candidate runs once: at least five, and as many more as fit in {@code seconds} per
     * candidate.
     */
    private static List<Samples> measure(double seconds, List<Launches> candidates) {
        List<List<Double>> totals = new ArrayList<>();
        List<List<EventTiming>> best = new ArrayList<>();
        for (Launches candidate : candidates) {
            candidate.run();
            candidate.run();
            totals.add(new ArrayList<>());
            best.add(null);
        }
        long until = System.nanoTime() + (long) (seconds * candidates.size() * 1e9);
        for (int round = 0; round < 5 || System.nanoTime() < until && round < 200; round++) {
            for (int i = 0; i < candidates.size(); i++) {
                List<EventTiming> timings = candidates.get(i).run();
                double ms = timings.stream().mapToLong(EventTiming::kernelNs).sum() / 1e6;
                if (best.get(i) == null || ms < totals.get(i).stream().mapToDouble(Double::doubleValue).min()
                        .orElseThrow()) {
                    best.set(i, timings);
                }
                totals.get(i).add(ms);
            }
        }
        List<Samples> samples = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            samples.add(new Samples(totals.get(i), best.get(i)));
        }
        return samples;
    }
}
