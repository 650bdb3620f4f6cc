package dev.tessera.backend.opencl.conv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tessera.backend.ConvProblem;
import dev.tessera.backend.Operator;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.opencl.ClContext;
import dev.tessera.opencl.ProgramCache;

/**
 * Compares nchwc-direct (default and given tunings) with im2col and winograd-4x4 on the 1x1 and 3x3 layers of
 * ResNet-50 and a few of VGG-16 at batch 1, bias and ReLU fused (not a unit test): round-robin per layer as in
 * {@link WinogradFusedSpeed#measure}; solvers that do not apply to a layer (Winograd on 1x1 or strided) are left out
 * of that layer.
 *
 * <pre>
 * java ... dev.tessera.backend.opencl.conv.NchwcDirectSpeed [--rounds R] [--layers a,b] [--solvers id,...]
 *          [--batch N] [--tuning cb,wTile,kTile]...
 * </pre>
 */
public final class NchwcDirectSpeed {
    private static final Map<String, int[]> LAYERS = new LinkedHashMap<>(); // c, size, k, r, stride

    static {
        LAYERS.put("resnet50.conv1", new int[] {3, 224, 64, 7, 2});
        LAYERS.put("resnet50.l1.1x1a", new int[] {64, 56, 64, 1, 1});
        LAYERS.put("resnet50.l1.3x3", new int[] {64, 56, 64, 3, 1});
        LAYERS.put("resnet50.l1.1x1b", new int[] {64, 56, 256, 1, 1});
        LAYERS.put("resnet50.l2.1x1a", new int[] {256, 28, 128, 1, 1});
        LAYERS.put("resnet50.l2.3x3", new int[] {128, 28, 128, 3, 1});
        LAYERS.put("resnet50.l2.1x1b", new int[] {128, 28, 512, 1, 1});
        LAYERS.put("resnet50.l3.1x1a", new int[] {512, 14, 256, 1, 1});
        LAYERS.put("resnet50.l3.3x3", new int[] {256, 14, 256, 3, 1});
        LAYERS.put("resnet50.l3.1x1b", new int[] {256, 14, 1024, 1, 1});
        LAYERS.put("resnet50.l4.1x1a", new int[] {1024, 7, 512, 1, 1});
        LAYERS.put("resnet50.l4.3x3", new int[] {512, 7, 512, 3, 1});
        LAYERS.put("resnet50.l4.1x1b", new int[] {512, 7, 2048, 1, 1});
        LAYERS.put("resnet50.l3.down", new int[] {512, 28, 1024, 1, 2});
        LAYERS.put("vgg16.conv2_2", new int[] {128, 112, 128, 3, 1});
        LAYERS.put("vgg16.conv4_2", new int[] {512, 28, 512, 3, 1});
    }

    private NchwcDirectSpeed() {
    }

    public static void main(String[] args) {
        int rounds = 5;
        int batch = 1;
        List<String> layers = new ArrayList<>(LAYERS.keySet());
        List<String> ids = new ArrayList<>(List.of("nchwc-direct", "im2col", "winograd-4x4"));
        List<String> tunings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--layers" -> layers = Arrays.asList(args[++i].split(","));
                case "--solvers" -> ids = new ArrayList<>(Arrays.asList(args[++i].split(",")));
                case "--tuning" -> tunings.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (ClContext context = ClContext.open(TestDevices.device(), ProgramCache.defaultCache())) {
            List<String> allNames = new ArrayList<>(ids);
            List<ConvSolver> all = new ArrayList<>();
            ids.forEach(id -> all.add(ConvSolvers.byId(id, context.info())));
            for (String t : tunings) {
                int[] v = Arrays.stream(t.split(",")).mapToInt(Integer::parseInt).toArray();
                all.add(new NchwcDirectSolver(new NchwcDirectSolver.Tuning(v[0], v[1], v[2])));
                allNames.add("nchwc " + t);
            }
            for (String name : layers) {
                int[] l = LAYERS.get(name);
                ConvProblem problem = new ConvProblem(batch, l[0], l[1], l[1], l[2], l[3], l[3],
                        Operator.Conv2d.of(l[4], l[3] / 2).withRelu(true), true);
                List<String> names = new ArrayList<>();
                List<ConvSolver> solvers = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    if (all.get(i).isApplicable(problem, context.info())) {
                        names.add(allNames.get(i));
                        solvers.add(all.get(i));
                    }
                }
                WinogradFusedSpeed.measure(context, name, problem, names, solvers, rounds);
            }
        }
    }
}
