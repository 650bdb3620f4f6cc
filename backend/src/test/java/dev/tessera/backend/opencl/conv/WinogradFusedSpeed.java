package dev.tessera.backend.opencl.conv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.Tensor;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.opencl.ClBuffer;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.EventTiming;
import dev.tessera.opencl.ProgramCache;

/**
 * Compares fused Winograd tunings with the unfused solvers on the 3x3 layers of VGG-16 and ResNet-18 at batch 1 (not a
 * unit test): each layer runs every candidate in turn, round after round, so that the load of a shared machine falls on
 * all of them alike; prints the median and the spread (min-max) of the summed kernel event times, and the first
 * candidate's time over each one's, paired round by round (median and spread).
 *
 * <pre>
 * java ... dev.tessera.backend.opencl.conv.WinogradFusedSpeed [--rounds R] [--layers a,b] [--solvers id,...]
 *          [--tuning m,vectorWidth,kVectors,kBlocks,tiles,cBlock[,tileGroups]]...
 * </pre>
 * Device: as for the tests, {@code TESSERA_TEST_DEVICE} or device 0.
 */
public final class WinogradFusedSpeed {
    private static final Map<String, int[]> LAYERS = new LinkedHashMap<>(); // c, size, k

    static {
        LAYERS.put("vgg16.conv1_2", new int[] {64, 224, 64});
        LAYERS.put("vgg16.conv2_2", new int[] {128, 112, 128});
        LAYERS.put("vgg16.conv3_2", new int[] {256, 56, 256});
        LAYERS.put("vgg16.conv4_2", new int[] {512, 28, 512});
        LAYERS.put("vgg16.conv5_2", new int[] {512, 14, 512});
        LAYERS.put("resnet18.layer1", new int[] {64, 56, 64});
        LAYERS.put("resnet18.layer2", new int[] {128, 28, 128});
        LAYERS.put("resnet18.layer3", new int[] {256, 14, 256});
        LAYERS.put("resnet18.layer4", new int[] {512, 7, 512});
    }

    private WinogradFusedSpeed() {
    }

    public static void main(String[] args) {
        int rounds = 5;
        List<String> layers = new ArrayList<>(LAYERS.keySet());
        List<String> ids = new ArrayList<>(List.of("im2col", "winograd-4x4", "winograd-fused-4x4"));
        List<String> tunings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Arrays.asList(args[++i].split(","));
                case "--solvers" -> ids = new ArrayList<>(Arrays.asList(args[++i].split(",")));
                case "--tuning" -> tunings.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (ClContext context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache())) {
            List<String> names = new ArrayList<>(ids);
            List<ConvSolver> solvers = new ArrayList<>();
            ids.forEach(id -> solvers.add(ConvSolvers.byId(id, context.info())));
            for (String t : tunings) {
                int[] v = Arrays.stream(t.split(",")).mapToInt(Integer::parseInt).toArray();
                solvers.add(new WinogradFusedSolver(v[0], new WinogradFusedSolver.Tuning(v[1], v[2], v[3], v[4],
                        v.length > 6 ? v[6] : 0, v[5])));
                names.add("fused " + t);
            }
            for (String name : layers) {
                int[] l = LAYERS.get(name);
                ConvProblem problem = new ConvProblem(1, l[0], l[1], l[1], l[2], 3, 3,
                        Operator.Conv2d.of(1, 1).withRelu(true), true);
                measure(context, name, problem, names, solvers, rounds);
            }
        }
    }

    static void measure(ClContext context, String name, ConvProblem problem, List<String> names,
            List<ConvSolver> solvers, int rounds) {
        Tensor weights = Tensor.random(1, -0.1f, 0.1f, problem.weightShape());
        Tensor bias = Tensor.random(2, -0.1f, 0.1f, problem.k());
        List<PreparedConv> prepared = new ArrayList<>();
        try (ClBuffer in = context.buffer(Tensor.random(3, -1, 1, problem.inputShape()).data());
                ClBuffer out = context.buffer(4L * Tensor.sizeOf(problem.outputShape()))) {
            for (ConvSolver s : solvers) {
                prepared.add(s.prepare(context, problem, weights, bias));
                prepared.get(prepared.size() - 1).run(in, out); // warm-up
            }
            double[][] ms = new double[solvers.size()][rounds];
            double[][][] launches = new double[solvers.size()][rounds][]; // each launch's time, per round
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < solvers.size(); i++) {
                    launches[i][r] = prepared.get(i).run(in, out).stream().mapToDouble(EventTiming::kernelMs)
                            .toArray();
                    ms[i][r] = Arrays.stream(launches[i][r]).sum();
                }
            }
            double gflop = 2.0 * problem.macs() / 1e9;
            for (int i = 0; i < solvers.size(); i++) {
                double[] t = ms[i].clone();
                Arrays.sort(t);
                double median = t[rounds / 2];
                double[] ratio = new double[rounds]; // the first candidate's time over this one's, round by round
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ms[0][r] / ms[i][r];
                }
                Arrays.sort(ratio);
                System.out.printf(Locale.ROOT, "%-16s %-28s median %8.3f ms (%7.3f-%7.3f) %6.0f GF/s direct-equivalent,"
                        + " %s / this per round: median %.2f (%.2f-%.2f); launches %s ms%n", name, names.get(i), median, t[0],
                        t[rounds - 1], gflop / median * 1e3, names.get(0), ratio[rounds / 2], ratio[0],
                        ratio[rounds - 1], launchMedians(launches[i]));
            }
        } finally {
            prepared.forEach(PreparedConv::close);
        }
    }

    /** The median of each launch's time over the rounds, joined with " + ". */
    private static String launchMedians(double[][] rounds) {
        StringBuilder text = new StringBuilder();
        for (int l = 0; l < rounds[0].length; l++) {
            double[] t = new double[rounds.length];
            for (int r = 0; r < rounds.length; r++) {
                t[r] = rounds[r][l];
            }
            Arrays.sort(t);
            text.append(l > 0 ? " + " : "").append(String.format(Locale.ROOT, "%.3f", t[t.length / 2]));
        }
        return text.toString();
    }
}
