package dev.tessera.backend.opencl.plan;

import java.util.Arrays;
import java.util.Locale;

import dev.tessera.backend.Tensor;
import dev.tessera.backend.graph.CompiledGraph;
import dev.tessera.backend.graph.Graph;
import dev.tessera.backend.opencl.OpenClBackend;
import dev.tessera.backend.opencl.TestDevices;
import dev.tessera.opencl.ProgramCache;

/**
 * LeNet-5's shapes ({@link PoolFusionTest#lenet5}) compiled with and without {@link PoolFusion} in one process (not a
 * unit test): each round runs both plans, end to end ({@code run}) and device-resident ({@code runResident}), one after
 * the other in alternating order; prints the medians and the per-round ratio unfused / fused.
 *
 * <pre>java ... dev.tessera.backend.opencl.plan.PoolFusionSpeed [rounds]</pre>
 */
public final class PoolFusionSpeed {
    private PoolFusionSpeed() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Graph graph = PoolFusionTest.lenet5();
        Tensor x = Tensor.random(1, -1, 1, graph.batchedInputShape(1));
        try (OpenClBackend opencl = OpenClBackend.open(TestDevices.device(), ProgramCache.defaultCache(), null)) {
            System.setProperty(PoolFusion.PROPERTY, "false");
            CompiledGraph off = opencl.compile(graph, 1);
            System.setProperty(PoolFusion.PROPERTY, "true");
            try (off; CompiledGraph on = opencl.compile(graph, 1)) {
                CompiledGraph[] plans = {off, on};
                double[][] e2e = new double[2][rounds];
                double[][] resident = new double[2][rounds];
                for (int warm = 0; warm < 200; warm++) {
                    off.run(x);
                    on.run(x);
                }
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < 2; k++) {
                        int p = (r + k) % 2;
                        long start = System.nanoTime();
                        plans[p].run(x);
                        e2e[p][r] = (System.nanoTime() - start) / 1e6;
                        resident[p][r] = plans[p].runResident().wallMs();
                    }
                }
                report("end to end", e2e);
                report("resident", resident);
            }
        }
    }

    private static void report(String what, double[][] ms) {
        int n = ms[0].length;
        double[] ratio = new double[n];
        for (int r = 0; r < n; r++) {
            ratio[r] = ms[0][r] / ms[1][r];
        }
        Arrays.sort(ratio);
        double[] off = ms[0].clone();
        double[] on = ms[1].clone();
        Arrays.sort(off);
        Arrays.sort(on);
        System.out.printf(Locale.ROOT, "%-10s unfused %.4f ms, fused %.4f ms (medians), unfused / fused per round: "
                + "median %.3f, quartiles %.3f-%.3f%n", what, off[n / 2], on[n / 2], ratio[n / 2], ratio[n / 4],
                ratio[3 * n / 4]);
    }
}
